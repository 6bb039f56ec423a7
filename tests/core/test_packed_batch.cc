#include <gtest/gtest.h>

#include "batch/packed_batch.h"
#include "cappy/cappy.h"

namespace cappy {
namespace {

ModelSpec spec(Family f) {
  ModelSpec s;
  s.family = f;
  s.vocab_size = 50;
  s.max_position_embeddings = 10;
  s.type_vocab_size = 2;
  s.pad_token_id = f == Family::Roberta ? 1 : 0;
  return s;
}

TEST(PackedBatch, ConcatenatesPairsWithOffsetsAndFamilyPositions) {
  Encoding a{{0, 5, 2}, {0, 0, 0}}, b{{0, 7, 1, 8, 2}, {0, 0, 0, 1, 1}};
  PackedBatch r = pack_batch({&a, &b}, spec(Family::Roberta));
  EXPECT_EQ(r.offsets, (std::vector<std::int32_t>{0, 3, 8}));
  EXPECT_EQ(r.ids, (std::vector<std::int32_t>{0, 5, 2, 0, 7, 1, 8, 2}));
  // RoBERTa: from pad+1 = 2; a literal <pad> (id 1) keeps position 1 and is skipped.
  EXPECT_EQ(r.positions, (std::vector<std::int32_t>{2, 3, 4, 2, 3, 1, 4, 5}));
  PackedBatch bert = pack_batch({&a, &b}, spec(Family::Bert));
  EXPECT_EQ(bert.positions, (std::vector<std::int32_t>{0, 1, 2, 0, 1, 2, 3, 4}));
  EXPECT_EQ(bert.type_ids, (std::vector<std::int32_t>{0, 0, 0, 0, 0, 0, 1, 1}));
}

TEST(PackedBatch, RejectsIdsOutsideTheModel) {
  Encoding bad{{0, 50, 2}, {0, 0, 0}};
  EXPECT_THROW(pack_batch({&bad}, spec(Family::Bert)), Error);
  Encoding bad_type{{0, 5, 2}, {0, 2, 0}};
  EXPECT_THROW(pack_batch({&bad_type}, spec(Family::Bert)), Error);
  Encoding too_long{std::vector<std::int32_t>(11, 5), std::vector<std::int32_t>(11, 0)};
  EXPECT_THROW(pack_batch({&too_long}, spec(Family::Bert)), Error);
}

TEST(PackedBatch, GroupsByPairsAndTokenBudget) {
  using G = std::vector<std::vector<std::size_t>>;
  EXPECT_EQ(group_batches({5, 5, 5, 5, 5}, 2, 0), (G{{0, 1}, {2, 3}, {4}}));
  EXPECT_EQ(group_batches({5, 5, 5, 5}, 10, 12), (G{{0, 1}, {2, 3}}));
  // An item over the budget still runs, alone.
  EXPECT_EQ(group_batches({3, 20, 3}, 10, 10), (G{{0}, {1}, {2}}));
  EXPECT_TRUE(group_batches({}, 4, 0).empty());
}

TEST(PackedBatch, DefaultsBatchByTokensNotPairs) {
  // Packed batches have no padding, so the token budget bounds the work; the
  // pair count is only a cap far above it for real pair lengths.
  const ScoreOptions d;
  std::vector<std::size_t> short_pairs(100, 20), long_pairs(40, 400);
  EXPECT_EQ(group_batches(short_pairs, d.batch_size, d.max_batch_tokens).size(), 1u);  // 2,000 tokens
  const auto groups = group_batches(long_pairs, d.batch_size, d.max_batch_tokens);
  ASSERT_EQ(groups.size(), 2u);  // 16,000 tokens: 20 pairs (8,000) per batch
  EXPECT_EQ(groups[0].size(), 20u);
}

}  // namespace
}  // namespace cappy
