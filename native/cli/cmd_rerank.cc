// cappy rerank: candidates in (one per line, or JSON Lines with "text"),
// the same candidates out best first as JSON Lines {rank, index, score, text}.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "json_output.h"
#include "line_reader.h"
#include "model_options.h"
#include "util/utf8.h"

namespace cappy::cli {

namespace {

// A line is a JSON candidate when the input is JSON Lines: decided by the
// first non-blank line being an object with a string "text".
bool is_json_candidate(const std::string& line) {
  if (line.empty() || line[0] != '{') return false;
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("text") && j["text"].is_string();
}

std::vector<std::string> read_candidates(LineReader& reader) {
  std::vector<std::string> out;
  std::string line;
  int json_mode = -1;  // unknown until the first non-blank line
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (json_mode < 0) json_mode = is_json_candidate(line) ? 1 : 0;
    const std::string where = reader.name() + ":" + std::to_string(reader.line_number());
    if (json_mode == 1) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
        throw Error(where + ": malformed JSON: " + e.what());
      }
      if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
        throw Error(where + ": expected {\"text\": string}");
      out.push_back(j["text"].get<std::string>());
    } else {
      try {
        validate_utf8(line);
      } catch (const Error& e) {
        throw Error(where + ": " + e.what());
      }
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace

void add_rerank_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "rerank",
      "Rank candidate responses to one instruction, best first. Input: one candidate per "
      "line, or JSON Lines {\"text\": str}; output: JSON Lines {\"rank\", \"index\", "
      "\"score\", \"text\"} (index = 0-based position among the input candidates).");
  auto opts = std::make_shared<ModelOptions>();
  auto input = std::make_shared<std::string>("-");
  auto instruction = std::make_shared<std::string>();
  auto top_n = std::make_shared<std::size_t>(0);
  opts->add_to(*cmd);
  cmd->add_option("--instruction", *instruction, "the instruction (query) the candidates answer")
      ->required();
  cmd->add_option("--top-n", *top_n, "print only the best N (default: all)");
  cmd->add_option("--input", *input, "candidates file (default: stdin)");
  cmd->callback([opts, input, instruction, top_n, &exit_code] {
    auto scorer = opts->load();
    LineReader reader(*input);
    const std::vector<std::string> candidates = read_candidates(reader);
    if (candidates.empty()) throw Error(reader.name() + ": no candidates to rerank");
    std::vector<Ranked> ranked;
    try {
      ranked = scorer->rerank(*instruction, candidates, *top_n, opts->score_options());
    } catch (const Error& e) {
      throw Error(reader.name() + ": " + e.what());
    }
    for (std::size_t r = 0; r < ranked.size(); ++r)
      std::cout << "{\"rank\":" << r + 1 << ",\"index\":" << ranked[r].index
                << ",\"score\":" << json_float(ranked[r].score)
                << ",\"text\":" << json_string(candidates[ranked[r].index]) << "}\n";
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
