// HF's longest_first truncation (tokenizers/src/utils/truncation.rs), with
// the expected lengths worked out by hand from its three cases.
#include <gtest/gtest.h>

#include "tokenize/tokenizer.h"

namespace cappy {
namespace {

void expect_kept(std::size_t a, std::size_t b, std::size_t budget, std::size_t want_a, std::size_t want_b) {
  const KeptLengths kept = longest_first(a, b, budget);
  EXPECT_EQ(kept.a, want_a) << a << "," << b << " budget " << budget;
  EXPECT_EQ(kept.b, want_b) << a << "," << b << " budget " << budget;
}

TEST(LongestFirst, FitsUnchanged) {
  expect_kept(3, 4, 7, 3, 4);
  expect_kept(3, 4, 100, 3, 4);
  expect_kept(0, 0, 0, 0, 0);
}

TEST(LongestFirst, OnlyTheLongerSideIsCut) {
  // n1 = 3 fits; n2 = max(3, 10 - 3) = 7.
  expect_kept(3, 20, 10, 3, 7);
  expect_kept(20, 3, 10, 7, 3);
  // n2 = max(n1, budget - n1): the shorter side keeps all of itself.
  expect_kept(5, 6, 10, 5, 5);
  expect_kept(0, 9, 4, 0, 4);
}

TEST(LongestFirst, BothCutWithAnOddBudget) {
  // n1 = 8 <= 11, n2 = max(8, 3) = 8, 16 > 11: halves 5 and 6, longer keeps the extra.
  expect_kept(8, 30, 11, 5, 6);
  expect_kept(30, 8, 11, 6, 5);
  // Equal lengths: no swap, so B (the "longer" one after the tie) keeps the extra.
  expect_kept(9, 9, 7, 3, 4);
}

TEST(LongestFirst, ShorterSideAloneExceedsBudget) {
  // n1 = 12 > 9: n2 = n1, then halves 4 and 5.
  expect_kept(12, 15, 9, 4, 5);
  expect_kept(15, 12, 9, 5, 4);
  expect_kept(12, 15, 8, 4, 4);
}

TEST(LongestFirst, ZeroBudget) {
  expect_kept(5, 7, 0, 0, 0);
}

TEST(LongestFirst, NeverKeepsMoreThanThereIs) {
  // n1 = 2: n2 = max(2, 8) = 8 < 9 tokens of B.
  expect_kept(2, 9, 10, 2, 8);
  expect_kept(2, 8, 10, 2, 8);
}

}  // namespace
}  // namespace cappy
