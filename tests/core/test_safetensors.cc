#include <gtest/gtest.h>

#include <cmath>

#include "cappy/cappy.h"
#include "model/safetensors.h"
#include "model/weight_store.h"
#include "test_support.h"

namespace cappy {
namespace {

using test::floats_bytes;
using test::safetensors_bytes;

std::vector<TensorView> parse(const std::string& bytes) {
  return parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                           "test.safetensors");
}

// Expects parse to throw an Error whose message contains `needle`.
void expect_rejected(const std::string& bytes, const std::string& needle) {
  try {
    parse(bytes);
    FAIL() << "accepted a corrupt file; expected an error mentioning: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, ReadsTensorsAndSkipsMetadata) {
  const std::string bytes = safetensors_bytes(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]}})",
      floats_bytes({1.5f, -2.0f}) + std::string("\x00\x3c\x00\xc0", 4));  // f16 1.0, -2.0
  auto ts = parse(bytes);
  ASSERT_EQ(ts.size(), 2u);
  const TensorView& a = ts[0].name == "a" ? ts[0] : ts[1];
  const TensorView& b = ts[0].name == "a" ? ts[1] : ts[0];
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2}));
  float out[2];
  convert_to_f32(a, out);
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_EQ(out[1], -2.0f);
  convert_to_f32(b, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
}

TEST(Safetensors, ConvertsBf16AndHalfSpecialValues) {
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), 5.9604644775390625e-8f);  // smallest subnormal
  EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
  EXPECT_EQ(half_to_float(0x8000), -0.0f);
}

TEST(Safetensors, RejectsShortFile) { expect_rejected("abc", "shorter than 8 bytes"); }

TEST(Safetensors, RejectsHeaderLongerThanFile) {
  std::string bytes = safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                        floats_bytes({1.f}));
  bytes[0] = static_cast<char>(0xff);  // header length now exceeds the file
  expect_rejected(bytes, "truncated");
}

TEST(Safetensors, RejectsHugeHeaderLength) {
  std::string bytes(16, '\0');
  bytes[7] = 0x7f;
  expect_rejected(bytes, "out of range");
}

TEST(Safetensors, RejectsMalformedHeaderJson) {
  expect_rejected(safetensors_bytes("{\"a\":", ""), "malformed safetensors header");
  // A number beyond double is nlohmann's out_of_range, not a parse_error (found by the fuzzer).
  expect_rejected(safetensors_bytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [7E777777]}}", ""),
                  "malformed safetensors header");
}

TEST(Safetensors, RejectsUnknownDtype) {
  expect_rejected(
      safetensors_bytes(R"({"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}})", "xxxx"),
      "unknown dtype");
}

TEST(Safetensors, RejectsOffsetsOutsideData) {
  expect_rejected(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                    floats_bytes({1.f})),
                  "outside the data section");
}

TEST(Safetensors, RejectsSizeThatDisagreesWithShape) {
  expect_rejected(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                    floats_bytes({1.f, 2.f})),
                  "needs 12");
}

TEST(Safetensors, RejectsOverlappingTensors) {
  expect_rejected(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                        floats_bytes({1.f, 2.f, 3.f})),
      "overlap");
}

TEST(Safetensors, RejectsOverflowingShape) {
  expect_rejected(
      safetensors_bytes(
          R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})",
          "xxxx"),
      "too large");
}

TEST(Safetensors, RejectsNegativeDimsAndReversedOffsets) {
  expect_rejected(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"),
      "non-negative");
  expect_rejected(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "xxxxxxxx"),
      "outside the data section");
}

TEST(WeightStore, ChecksShapesAndNamesMissingTensors) {
  const std::string dir = test::temp_dir("weight_store_shapes");
  test::write_file(dir + "/model.safetensors",
                   safetensors_bytes(R"({"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}})",
                                     floats_bytes({1.f, 2.f})));
  WeightStore store = WeightStore::open_directory(dir);
  EXPECT_EQ(store.get_f32("w", {2, 1}), (std::vector<float>{1.f, 2.f}));
  try {
    store.get("w", {1, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has shape [2, 1] but the config implies [1, 2]"),
              std::string::npos)
        << e.what();
  }
  try {
    store.get("missing.weight", {1});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor \"missing.weight\""), std::string::npos);
  }
}

TEST(WeightStore, ReadsShardedCheckpoints) {
  const std::string dir = test::temp_dir("weight_store_sharded");
  test::write_file(dir + "/model-00001-of-00002.safetensors",
                   safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                     floats_bytes({3.f})));
  test::write_file(dir + "/model-00002-of-00002.safetensors",
                   safetensors_bytes(R"({"b":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})",
                                     std::string("\x80\x3f", 2)));
  test::write_file(dir + "/model.safetensors.index.json",
                   R"({"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
                   R"("b":"model-00002-of-00002.safetensors"}})");
  WeightStore store = WeightStore::open_directory(dir);
  EXPECT_EQ(store.get_f32("a", {1})[0], 3.f);
  EXPECT_EQ(store.get_f32("b", {1})[0], 1.f);
}

TEST(WeightStore, RejectsIndexPromisingAbsentTensorsOrEscapingPaths) {
  const std::string dir = test::temp_dir("weight_store_bad_index");
  test::write_file(dir + "/s.safetensors",
                   safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                     floats_bytes({3.f})));
  test::write_file(dir + "/model.safetensors.index.json",
                   R"({"weight_map":{"a":"s.safetensors","ghost":"s.safetensors"}})");
  EXPECT_THROW(WeightStore::open_directory(dir), Error);
  test::write_file(dir + "/model.safetensors.index.json",
                   R"({"weight_map":{"a":"../s.safetensors"}})");
  EXPECT_THROW(WeightStore::open_directory(dir), Error);
}

TEST(WeightStore, NamesTheDirectoryWhenNoWeightsExist) {
  const std::string dir = test::temp_dir("weight_store_empty");
  try {
    WeightStore::open_directory(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no model.safetensors"), std::string::npos);
  }
}

}  // namespace
}  // namespace cappy
