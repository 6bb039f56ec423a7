// The accuracy report's statistics on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>

#include "cappy/cappy.h"
#include "convert/accuracy.h"

namespace cappy {
namespace {

TEST(KendallTau, PerfectReversedAndTied) {
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // One swapped neighbour pair out of 6 pairs: (5 - 1) / 6.
  EXPECT_DOUBLE_EQ(kendall_tau_b({1, 2, 3, 4}, {1, 3, 2, 4}), 4.0 / 6.0);
  // tau-b with a tie in b: C = 2, D = 0, ties_b = 1: 2 / sqrt(3 * 2).
  EXPECT_NEAR(kendall_tau_b({1, 2, 3}, {1, 2, 2}), 2.0 / std::sqrt(6.0), 1e-12);
  EXPECT_DOUBLE_EQ(kendall_tau_b({5}, {7}), 1.0);
}

TEST(CompareScores, DifferencesAgreementAndMargins) {
  const std::vector<std::vector<float>> ref = {{0.0f, 1.0f, 0.5f}, {2.0f, 1.0f, 0.0f}};
  const std::vector<std::vector<float>> got = {{0.0f, 1.25f, 0.5f}, {1.0f, 1.5f, 0.0f}};
  const AccuracyReport r = compare_scores(ref, got);
  EXPECT_EQ(r.groups, 2u);
  EXPECT_EQ(r.pairs, 6u);
  EXPECT_DOUBLE_EQ(r.max_abs_diff, 1.0);
  EXPECT_DOUBLE_EQ(r.mean_abs_diff, (0.25 + 1.0 + 0.5) / 6);
  EXPECT_DOUBLE_EQ(r.top1_agreement, 0.5);  // group 2's best moved from 0 to 1
  EXPECT_DOUBLE_EQ(r.min_kendall_tau, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.mean_kendall_tau, (1.0 + 1.0 / 3.0) / 2);
  EXPECT_DOUBLE_EQ(r.mean_top1_margin, (0.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(r.mean_spread, (1.0 + 2.0) / 2);
  EXPECT_DOUBLE_EQ(r.max_margin_of_disagreement, 1.0);  // group 2's margin
}

TEST(EvalSet, ParsesGroupsAndNamesBadLines) {
  const auto set = parse_eval_set("{\"instruction\": \"q\", \"responses\": [\"a\", \"b\"]}\n\n", "s.jsonl");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].responses, (std::vector<std::string>{"a", "b"}));
  try {
    parse_eval_set("{\"instruction\": \"q\", \"responses\": [\"a\"]}\n{\"instruction\": 1}\n", "s.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s.jsonl:2: expected"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_eval_set("\n", "s.jsonl"), Error);
}

}  // namespace
}  // namespace cappy
