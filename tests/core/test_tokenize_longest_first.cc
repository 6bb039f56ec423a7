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

// HF 0.23 stops tokenizing a text at the end of the first word that reaches
// max_length (tokenize_with_limit); the pair rule sees that length.
TEST(LongestFirst, LengthSeenByTruncation) {
  const std::vector<std::size_t> ends = {3, 5, 9, 12};  // word ends of a 12-id text
  EXPECT_EQ(length_seen_by_truncation(12, ends, 5), 5u);
  EXPECT_EQ(length_seen_by_truncation(12, ends, 6), 9u);   // the word crossing 6 is kept whole
  EXPECT_EQ(length_seen_by_truncation(12, ends, 12), 12u);
  EXPECT_EQ(length_seen_by_truncation(12, ends, 40), 12u);  // never reached: the whole text
  EXPECT_EQ(length_seen_by_truncation(7, {}, 3), 7u);
  // Both sides of 15 and 14 tokens, max_length 14, budget 11: both are seen
  // as 14 (one-token words), a tie, so the second keeps the odd token (HF 0.23;
  // the uncapped rule would give it to the longer first side).
  std::vector<std::size_t> a(15), b(14);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = i + 1;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = i + 1;
  const KeptLengths kept = longest_first(length_seen_by_truncation(15, a, 14), length_seen_by_truncation(14, b, 14), 11);
  EXPECT_EQ(kept.a, 5u);
  EXPECT_EQ(kept.b, 6u);
}

}  // namespace
}  // namespace cappy
