// cappy score: JSON Lines {"instruction", "responses"} in, {"scores"} out,
// one output line per non-blank input line, in order. A bad line gets
// {"error": ..., "line": N} on stdout (so lines stay aligned), a message on
// stderr, and exit status 1 at the end; the other lines are still scored.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "json_output.h"
#include "line_reader.h"
#include "model_options.h"

namespace cappy::cli {

namespace {

struct Request {
  std::size_t line = 0;
  std::string instruction;
  std::vector<std::string> responses;
  std::string error;  // set when the line was rejected
  std::vector<float> logits;
};

// Parses one input line; on failure fills request.error.
void parse_request(const std::string& text, Request& r) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
    // nlohmann rejects invalid UTF-8 here too. Its message quotes the bytes it
    // read last, which may be the invalid ones: keep only the explanation.
    std::string why = e.what();
    why = why.substr(0, why.find("; last read"));
    r.error = "malformed JSON: " + why;
    return;
  }
  if (!j.is_object()) {
    r.error = "expected a JSON object";
    return;
  }
  auto ins = j.find("instruction");
  if (ins == j.end() || !ins->is_string()) {
    r.error = "\"instruction\" must be a string";
    return;
  }
  auto res = j.find("responses");
  if (res == j.end() || !res->is_array()) {
    r.error = "\"responses\" must be an array of strings";
    return;
  }
  r.instruction = ins->get<std::string>();
  for (const auto& x : *res) {
    if (!x.is_string()) {
      r.error = "\"responses\" must be an array of strings";
      return;
    }
    r.responses.push_back(x.get<std::string>());
  }
}

// Scores the pairs of several requests together (fuller batches); if that
// fails, each request alone, so an error is charged to its own line.
void score_requests(const Scorer& scorer, const ScoreOptions& options, std::vector<Request>& reqs) {
  std::vector<std::string> instructions, responses;
  for (const auto& r : reqs)
    if (r.error.empty())
      for (const auto& resp : r.responses) {
        instructions.push_back(r.instruction);
        responses.push_back(resp);
      }
  const std::size_t labels = static_cast<std::size_t>(scorer.info().num_labels);
  try {
    std::vector<float> all = scorer.score_pairs(instructions, responses, options);
    std::size_t k = 0;
    for (auto& r : reqs)
      if (r.error.empty()) {
        r.logits.assign(all.begin() + k * labels, all.begin() + (k + r.responses.size()) * labels);
        k += r.responses.size();
      }
  } catch (const Error&) {
    for (auto& r : reqs) {
      if (!r.error.empty()) continue;
      try {
        r.logits = scorer.score(r.instruction, r.responses, options);
      } catch (const Error& e) {
        r.error = e.what();
      }
    }
  }
}

void write_result(const Request& r, std::size_t labels, const std::string& input_name) {
  std::string out;
  if (!r.error.empty()) {
    std::cerr << "cappy score: " << input_name << ":" << r.line << ": " << r.error << "\n";
    out = "{\"error\":" + json_string(r.error) + ",\"line\":" + std::to_string(r.line) + "}";
  } else {
    out = "{\"scores\":[";
    for (std::size_t i = 0; i < r.responses.size(); ++i) {
      if (i) out += ',';
      out += json_float(r.logits[i * labels]);
    }
    out += ']';
    if (labels > 1) {  // every logit too, row per response
      out += ",\"logits\":[";
      for (std::size_t i = 0; i < r.responses.size(); ++i) {
        out += i ? ",[" : "[";
        for (std::size_t l = 0; l < labels; ++l) {
          if (l) out += ',';
          out += json_float(r.logits[i * labels + l]);
        }
        out += ']';
      }
      out += ']';
    }
    out += '}';
  }
  std::cout << out << '\n';
}

}  // namespace

void add_score_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "score",
      "Score (instruction, response) pairs. Input: JSON Lines {\"instruction\": str, "
      "\"responses\": [str, ...]}; output: one line {\"scores\": [raw logits]} per input line "
      "(and \"logits\" with every label when the model has several). A bad line gets "
      "{\"error\", \"line\"}; exit status 1 if any line was bad, 2 on a fatal error.");
  auto opts = std::make_shared<ModelOptions>();
  auto input = std::make_shared<std::string>("-");
  opts->add_to(*cmd);
  cmd->add_option("--input", *input, "JSON Lines file (default: stdin)");
  cmd->callback([opts, input, &exit_code] {
    auto scorer = opts->load();
    const ScoreOptions options = opts->score_options();
    const std::size_t labels = static_cast<std::size_t>(scorer->info().num_labels);
    LineReader reader(*input);
    bool any_failed = false;
    std::string text;
    std::vector<Request> pending;
    std::size_t pending_pairs = 0;
    auto flush = [&] {
      score_requests(*scorer, options, pending);
      for (const auto& r : pending) {
        write_result(r, labels, reader.name());
        any_failed = any_failed || !r.error.empty();
      }
      std::cout.flush();
      pending.clear();
      pending_pairs = 0;
    };
    while (reader.next(text)) {
      if (text.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      Request r;
      r.line = reader.line_number();
      parse_request(text, r);
      pending_pairs += r.responses.size();
      pending.push_back(std::move(r));
      // Batch across lines while more input is already waiting; otherwise
      // answer now, so an interactive producer is never left waiting.
      if (pending_pairs >= static_cast<std::size_t>(4 * options.batch_size) || !reader.line_ready())
        flush();
    }
    if (!pending.empty()) flush();
    exit_code = any_failed ? kExitSomeLinesFailed : kExitOk;
  });
}

}  // namespace cappy::cli
