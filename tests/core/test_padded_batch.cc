#include <gtest/gtest.h>

#include "batch/padded_batch.h"
#include "cappy/cappy.h"

namespace cappy {
namespace {

TEST(PaddedBatch, PadsEachPairToTheLongestAndMasksThePadding) {
  Encoding a{{0, 5, 2}, {0, 0, 0}}, b{{0, 7, 1, 8, 2}, {0, 0, 0, 1, 1}};
  PaddedBatch r = pad_batch({&a, &b}, 1);
  EXPECT_EQ(r.rows, 2);
  EXPECT_EQ(r.cols, 5);
  EXPECT_EQ(r.input_ids, (std::vector<std::int32_t>{0, 5, 2, 1, 1, 0, 7, 1, 8, 2}));
  EXPECT_EQ(r.attention_mask, (std::vector<std::int32_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(r.token_type_ids, (std::vector<std::int32_t>{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}));
}

TEST(PaddedBatch, RejectsEmptyInput) {
  EXPECT_THROW(pad_batch({}, 0), Error);
  Encoding empty;
  EXPECT_THROW(pad_batch({&empty}, 0), Error);
  Encoding mismatched{{0, 5}, {0}};
  EXPECT_THROW(pad_batch({&mismatched}, 0), Error);
}

}  // namespace
}  // namespace cappy
