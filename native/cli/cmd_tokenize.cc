// cappy tokenize: JSON Lines {"text": str, "pair": str?} in, one line
// {"ids": [...], "type_ids": [...]} out per non-blank input line, with the
// special tokens and truncation that scoring uses (the same Tokenizer and the
// same max length as Scorer::encode). A bad line gets {"error", "line"} in
// its place (stderr says why) and exit status 1 at the end, as in `score`.
//
// --model is a checkpoint directory; only config.json and the tokenizer files
// are read (never the weights), so a directory with just those works, and so
// does one with only tokenizer files (then --model-type picks the older
// files' template, and truncation follows tokenizer_config.json, if any).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cappy/cappy.h"
#include "commands.h"
#include "default_model.h"
#include "json_output.h"
#include "line_reader.h"
#include "model/bundle.h"
#include "model/model_files.h"
#include "tokenize/model_tokenizer.h"

namespace cappy::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string input = "-";
  std::optional<std::size_t> max_length;
  std::string model_type;
};

// The encoding of one input line, or the reason it was rejected.
std::string encode_line(const std::string& line, const ModelTokenizer& tok, std::size_t max_length,
                        std::string& error) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
    std::string why = e.what();
    error = "malformed JSON: " + why.substr(0, why.find("; last read"));
    return {};
  }
  if (!j.is_object()) {
    error = "expected a JSON object";
    return {};
  }
  const auto text = j.find("text");
  if (text == j.end() || !text->is_string()) {
    error = "\"text\" must be a string";
    return {};
  }
  const auto pair = j.find("pair");
  if (pair != j.end() && !pair->is_null() && !pair->is_string()) {
    error = "\"pair\" must be a string when present";
    return {};
  }
  Encoding e;
  try {
    if (pair != j.end() && pair->is_string()) {
      e = tok.tokenizer->encode_pair(text->get_ref<const std::string&>(), pair->get_ref<const std::string&>(),
                                     max_length);
    } else {
      e = tok.tokenizer->encode_single(text->get_ref<const std::string&>(), max_length);
    }
  } catch (const Error& err) {
    error = err.what();
    return {};
  }
  std::string out = "{\"ids\":[";
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(e.ids[i]);
  }
  out += "],\"type_ids\":[";
  for (std::size_t i = 0; i < e.type_ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(e.type_ids[i]);
  }
  out += "]}";
  return out;
}

}  // namespace

void add_tokenize_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "tokenize",
      "Token ids as scoring sees them. Input: JSON Lines {\"text\": str, \"pair\": str (optional)}; output: "
      "one line {\"ids\": [...], \"type_ids\": [...]} per input line, with the model's special tokens and "
      "its truncation (a pair is truncated longest_first, as in scoring). A bad line gets {\"error\", "
      "\"line\"}; exit status 1 if any line was bad, 2 on a fatal error.");
  auto opts = std::make_shared<TokenizeOptions>();
  cmd->add_option("--model", opts->model,
                  std::string("bundle file or checkpoint directory: config.json (optional) and the tokenizer "
                              "files; weights are not read. ") + kModelOptionHelp);
  cmd->add_option("--input", opts->input, "JSON Lines file (default: stdin)");
  cmd->add_option("--max-length", opts->max_length,
                  "truncate encodings to N tokens, special tokens included (default: the scoring limit; "
                  "0: no truncation)");
  cmd->add_option("--model-type", opts->model_type,
                  "model_type (roberta, bert, xlm-roberta, ...) when the directory has no config.json");
  cmd->callback([opts, &exit_code] {
    const ModelTokenizer tok = load_model_tokenizer(*open_model_files(resolve_model(opts->model)), opts->model_type);
    const std::size_t max_length = opts->max_length.value_or(tok.max_length);
    LineReader reader(opts->input);
    bool any_failed = false;
    std::string line, out;
    while (reader.next(line)) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      std::string error;
      std::string encoded = encode_line(line, tok, max_length, error);
      if (!error.empty()) {
        any_failed = true;
        std::cerr << "cappy tokenize: " << reader.name() << ":" << reader.line_number() << ": " << error << "\n";
        encoded = "{\"error\":" + json_string(error) + ",\"line\":" + std::to_string(reader.line_number()) + "}";
      }
      out += encoded;
      out += '\n';
      // Answer now when no more input is waiting (an interactive producer).
      if (out.size() > (1 << 16) || !reader.line_ready()) {
        std::cout << out << std::flush;
        out.clear();
      }
    }
    std::cout << out << std::flush;
    exit_code = any_failed ? kExitSomeLinesFailed : kExitOk;
  });
}

}  // namespace cappy::cli
