// End-to-end: the Scorer's token ids and logits against the independent
// reference (tests/fixtures/*/expected.json: ids from @huggingface/tokenizers,
// logits from onnxruntime-node on the fixture's torch ONNX export).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cappy/cappy.h"
#include "test_support.h"

namespace cappy {
namespace {

constexpr float kTolerance = 1e-4f;

struct Case {
  std::string instruction, response;
  std::vector<std::int32_t> ids, type_ids;
  std::vector<float> logits;
};

std::vector<Case> load_cases(const std::string& fixture) {
  auto j = nlohmann::json::parse(test::read_file(std::string(CAPPY_FIXTURES_DIR) + "/" + fixture +
                                                 "/expected.json"));
  std::vector<Case> out;
  for (const auto& c : j.at("cases"))
    out.push_back({c.at("instruction"), c.at("response"), c.at("ids"), c.at("type_ids"),
                   c.at("logits")});
  return out;
}

class ScorerReference : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = std::string(CAPPY_FIXTURES_DIR) + "/" + GetParam();
    LoadOptions o;
    o.threads = 2;
    scorer_ = Scorer::load(dir_, o);
    cases_ = load_cases(GetParam());
    ASSERT_GE(cases_.size(), 10u);
  }

  // Scores every case with these options and checks every logit.
  void check_all(const ScoreOptions& options) {
    std::vector<std::string> ins, res;
    for (const auto& c : cases_) {
      ins.push_back(c.instruction);
      res.push_back(c.response);
    }
    const std::vector<float> got = scorer_->score_pairs(ins, res, options);
    const std::size_t labels = scorer_->info().num_labels;
    ASSERT_EQ(got.size(), cases_.size() * labels);
    for (std::size_t i = 0; i < cases_.size(); ++i)
      for (std::size_t l = 0; l < labels; ++l)
        EXPECT_NEAR(got[i * labels + l], cases_[i].logits[l], kTolerance)
            << "case " << i << " label " << l << ": " << cases_[i].instruction << " / "
            << cases_[i].response << " (batch " << options.batch_size << ")";
  }

  std::string dir_;
  std::unique_ptr<Scorer> scorer_;
  std::vector<Case> cases_;
};

TEST_P(ScorerReference, TokenIdsEqualTheOracle) {
  for (const auto& c : cases_) {
    Encoding e = scorer_->encode(c.instruction, c.response);
    EXPECT_EQ(e.ids, c.ids) << c.instruction << " / " << c.response;
    EXPECT_EQ(e.type_ids, c.type_ids) << c.instruction << " / " << c.response;
  }
}

TEST_P(ScorerReference, LogitsEqualOnnxruntimeOnePairAtATime) {
  ScoreOptions o;
  o.batch_size = 1;
  check_all(o);
}

// Batches mix short and long pairs; packing must not change any score.
TEST_P(ScorerReference, LogitsEqualOnnxruntimeInMixedBatches) {
  ScoreOptions o;
  o.batch_size = 16;
  check_all(o);
  o.batch_size = 1000;
  check_all(o);
  o.max_batch_tokens = 64;
  check_all(o);
}

TEST_P(ScorerReference, RerankOrdersByFirstLogit) {
  std::vector<std::string> responses;
  const std::string instruction = cases_[0].instruction;
  for (const auto& c : cases_) responses.push_back(c.response);
  auto ranked = scorer_->rerank(instruction, responses, 3);
  ASSERT_EQ(ranked.size(), 3u);
  auto scores = scorer_->score(instruction, responses);
  const std::size_t labels = scorer_->info().num_labels;
  float best = -INFINITY;
  for (std::size_t i = 0; i < responses.size(); ++i) best = std::max(best, scores[i * labels]);
  EXPECT_EQ(ranked[0].score, best);
  EXPECT_GE(ranked[0].score, ranked[1].score);
  EXPECT_GE(ranked[1].score, ranked[2].score);
  EXPECT_EQ(scores[ranked[1].index * labels], ranked[1].score);
}

TEST_P(ScorerReference, ConcurrentCallersGetTheSameScores) {
  std::vector<std::string> responses;
  for (const auto& c : cases_) responses.push_back(c.response);
  const auto want = scorer_->score("same question", responses);
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { got[t] = scorer_->score("same question", responses); });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ScorerReference, ::testing::Values("tiny-roberta", "tiny-bert"));

TEST(Scorer, ReportsModelInfo) {
  auto s = Scorer::load(std::string(CAPPY_FIXTURES_DIR) + "/tiny-roberta");
  EXPECT_EQ(s->info().architecture, "RobertaForSequenceClassification");
  EXPECT_EQ(s->info().num_labels, 1);
  EXPECT_EQ(s->info().max_length, 38);
  EXPECT_GT(s->info().num_parameters, 0u);
}

TEST(Scorer, RejectsInvalidUtf8) {
  auto s = Scorer::load(std::string(CAPPY_FIXTURES_DIR) + "/tiny-roberta");
  try {
    s->score("fine", {"ok", std::string("bad \xff byte")});
    FAIL() << "accepted invalid UTF-8";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "response 1: invalid UTF-8 at byte 4");
  }
  try {
    s->score(std::string("\xc3"), {"fine"});
    FAIL() << "accepted invalid UTF-8";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "instruction of pair 0: invalid UTF-8 at byte 0");
  }
}

// Copies a fixture so a test can break one file of it.
std::string broken_copy(const std::string& fixture, const std::string& name) {
  const std::string dir = test::temp_dir(name);
  std::filesystem::copy(std::string(CAPPY_FIXTURES_DIR) + "/" + fixture, dir,
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::overwrite_existing);
  return dir;
}

std::string load_error(const std::string& dir) {
  try {
    Scorer::load(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded without error)";
}

TEST(Scorer, LoadErrorsNameTheCause) {
  EXPECT_NE(load_error("/nonexistent/model").find("no config.json"), std::string::npos);

  std::string dir = broken_copy("tiny-roberta", "broken_config");
  test::write_file(dir + "/config.json", "{\"model_type\": ");
  EXPECT_NE(load_error(dir).find("config.json: malformed JSON"), std::string::npos);

  dir = broken_copy("tiny-roberta", "unknown_arch");
  std::string cfg = test::read_file(dir + "/config.json");
  cfg.replace(cfg.find("RobertaForSequenceClassification"), 32, "RobertaForMaskedLM");
  test::write_file(dir + "/config.json", cfg);
  EXPECT_NE(load_error(dir).find("unsupported architecture \"RobertaForMaskedLM\""), std::string::npos);

  dir = broken_copy("tiny-roberta", "truncated_weights");
  std::string w = test::read_file(dir + "/model.safetensors");
  test::write_file(dir + "/model.safetensors", w.substr(0, w.size() / 2));
  EXPECT_NE(load_error(dir).find("model.safetensors: tensor"), std::string::npos);

  dir = broken_copy("tiny-roberta", "shape_mismatch");
  cfg = test::read_file(dir + "/config.json");
  const auto pos = cfg.find("\"intermediate_size\"");
  ASSERT_NE(pos, std::string::npos);
  const auto comma = cfg.find_first_of(",}", pos);
  cfg.replace(pos, comma - pos, "\"intermediate_size\": 81");
  test::write_file(dir + "/config.json", cfg);
  EXPECT_NE(load_error(dir).find("but the config implies"), std::string::npos);

  dir = broken_copy("tiny-roberta", "no_tokenizer");
  for (const char* f : {"tokenizer.json", "vocab.json", "merges.txt"})
    std::filesystem::remove(dir + "/" + f);
  EXPECT_NE(load_error(dir).find(dir), std::string::npos);
}

}  // namespace
}  // namespace cappy
