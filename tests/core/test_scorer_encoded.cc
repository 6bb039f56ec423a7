// Scorer::score_encoded: scoring encodings made by encode() gives exactly what
// score_pairs gives for the same pairs (the server encodes once, to count
// tokens, and scores the encodings).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cappy/cappy.h"
#include "test_support.h"

namespace cappy {
namespace {

TEST(ScorerEncoded, EqualsScorePairs) {
  const std::string dir = std::string(CAPPY_FIXTURES_DIR) + "/tiny-roberta";
  auto scorer = Scorer::load(dir, {.threads = 2});
  auto cases = nlohmann::json::parse(test::read_file(dir + "/expected.json")).at("cases");
  std::vector<std::string> ins, res;
  std::vector<Encoding> encodings;
  for (const auto& c : cases) {
    ins.push_back(c.at("instruction"));
    res.push_back(c.at("response"));
    encodings.push_back(scorer->encode(ins.back(), res.back()));
  }
  ScoreOptions o;
  o.batch_size = 7;  // several batches, the last one partial
  EXPECT_EQ(scorer->score_encoded(encodings, o), scorer->score_pairs(ins, res, o));
}

TEST(ScorerEncoded, RejectsIdsOutsideTheVocabulary) {
  auto scorer = Scorer::load(std::string(CAPPY_FIXTURES_DIR) + "/tiny-roberta", {.threads = 1});
  Encoding e = scorer->encode("q", "a");
  e.ids[1] = scorer->info().vocab_size;
  EXPECT_THROW(scorer->score_encoded({e}), Error);
}

}  // namespace
}  // namespace cappy
