// Helpers for the bundle and converter tests: checkpoint directories made
// from the committed fixtures, the fixture cases, scoring them.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cappy/cappy.h"
#include "test_support.h"

namespace cappy::test {

inline std::string fixture(const std::string& rel) { return std::string(CAPPY_FIXTURES_DIR) + "/" + rel; }

// A copy of a fixture's config and tokenizer files in a new temp dir, with
// `weights` (a fixture file) copied in as `weights_name` when given.
inline std::string checkpoint_dir(const std::string& name, const std::string& fixture_dir,
                                  const std::string& weights = "", const std::string& weights_name = "") {
  const std::string dir = temp_dir(name);
  for (const auto& e : std::filesystem::directory_iterator(fixture(fixture_dir))) {
    const std::string f = e.path().filename().string();
    if (f == "model.safetensors" || f == "model.onnx" || f == "expected.json") continue;
    std::filesystem::copy_file(e.path(), dir + "/" + f);
  }
  if (!weights.empty()) std::filesystem::copy_file(fixture(weights), dir + "/" + weights_name);
  return dir;
}

struct Pairs {
  std::vector<std::string> instructions, responses;
};

// The instruction/response pairs of a fixture's expected.json.
inline Pairs fixture_pairs(const std::string& fixture_dir) {
  auto j = nlohmann::json::parse(read_file(fixture(fixture_dir + "/expected.json")));
  Pairs p;
  for (const auto& c : j.at("cases")) {
    p.instructions.push_back(c.at("instruction"));
    p.responses.push_back(c.at("response"));
  }
  return p;
}

inline std::vector<float> score_all(const Scorer& s, const Pairs& p) {
  LoadOptions o;
  return s.score_pairs(p.instructions, p.responses);
}

inline LoadOptions two_threads() {
  LoadOptions o;
  o.threads = 2;
  return o;
}

}  // namespace cappy::test
