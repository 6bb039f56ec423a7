// The F16 and Q8_0 linear kernels against a double-precision reference on
// the same (dequantized) weights, over shapes that exercise every tail: row
// blocks of 6, panels of 16, fused Q|K|V parts, one and two threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "backend/cpu/linear_compact.h"
#include "compact_layer_util.h"
#include "model/bundle.h"
#include "model/gguf_writer.h"
#include "model/model_files.h"

namespace cappy {
namespace {

using test::CompactLayer;
using test::make_compact_layer;
using test::open_store;


// The portable kernel (f32 panels) against a double-precision product, or an
// integer Q8_0 kernel against the plain C++ integer kernel on the same layer.
void check(DType dtype, int in, int out, int parts, std::size_t rows, int threads,
           cpu::Q8Kernel kernel = cpu::Q8Kernel::Portable) {
  SCOPED_TRACE(std::string(dtype_name(dtype)) + " in " + std::to_string(in) + " out " +
               std::to_string(out) + " parts " + std::to_string(parts) + " rows " +
               std::to_string(rows) + " threads " + std::to_string(threads) + " kernel " +
               cpu::q8_kernel_name(kernel));
  CompactLayer l = make_compact_layer(dtype, in, out, parts, static_cast<unsigned>(in * 131 + out * 7 + rows));
  const WeightStore store = open_store(l.bundle);
  auto linear = cpu::make_compact_linear(store, l.weight, l.bias, kernel);
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->out_features(), out);
  EXPECT_EQ(linear->q8_kernel(), kernel);

  const std::vector<float> x = test::uniform_inputs(rows * in);
  std::vector<float> y(rows * out, -999.0f);
  cpu::ThreadPool pool(threads);
  linear->run(x.data(), rows, y.data(), pool);
  if (kernel != cpu::Q8Kernel::Portable) {
    auto reference = cpu::make_compact_linear(store, l.weight, l.bias, cpu::Q8Kernel::Reference);
    std::vector<float> want(rows * out);
    cpu::ThreadPool one(1);
    reference->run(x.data(), rows, want.data(), one);
    for (std::size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(y[i], want[i], 1e-5 * (1 + std::fabs(want[i]))) << "element " << i;
    return;
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (int o = 0; o < out; ++o) {
      double want = l.b[o];
      for (int k = 0; k < in; ++k) want += static_cast<double>(x[r * in + k]) * l.w[o * in + k];
      ASSERT_NEAR(y[r * out + o], want, 1e-4 * (1 + std::fabs(want))) << "row " << r << " out " << o;
    }
}

TEST(LinearCompact, Q8MatchesTheReferenceOverEveryTail) {
  for (std::size_t rows : {1u, 5u, 6u, 7u, 13u})
    for (int out : {1, 16, 17, 40}) check(DType::Q8_0, 64, out, 1, rows, 1);
  check(DType::Q8_0, 96, 48, 3, 9, 2);    // fused Q|K|V
  check(DType::Q8_0, 256, 130, 1, 20, 2);
}

TEST(LinearCompact, Q8IntegerKernelsRunWholeLayersOnThreads) {
  for (cpu::Q8Kernel kernel : {cpu::Q8Kernel::Avx2, cpu::Q8Kernel::AvxVnni, cpu::Q8Kernel::Avx512Vnni}) {
    if (!cpu::q8_kernel_supported(kernel)) continue;
    for (std::size_t rows : {1u, 7u, 13u}) check(DType::Q8_0, 64, 70, 1, rows, 1, kernel);
    check(DType::Q8_0, 96, 96, 3, 9, 2, kernel);  // fused Q|K|V
    check(DType::Q8_0, 256, 130, 1, 20, 2, kernel);
    // Several chunks of rows (96) and groups of panels (4 x 32 channels), both with tails.
    check(DType::Q8_0, 64, 300, 1, 200, 2, kernel);
  }
}

TEST(LinearCompact, F16MatchesTheReferenceOverEveryTail) {
  for (std::size_t rows : {1u, 6u, 11u})
    for (int out : {3, 16, 33}) check(DType::F16, 36, out, 1, rows, 1);  // any row length
  check(DType::F16, 40, 120, 3, 8, 2);
}

TEST(LinearCompact, F32WeightsAreLeftToTheF32Path) {
  GgufWriter writer;
  writer.add_tensor("w", DType::F32, {2, 2}, [](std::uint8_t* o) { std::memset(o, 0, 16); });
  writer.add_tensor("b", DType::F32, {2}, [](std::uint8_t* o) { std::memset(o, 0, 8); });
  const WeightStore store = open_store(writer.write_memory());
  EXPECT_EQ(cpu::make_compact_linear(store, {{"w"}, {2, 2}}, {{"b"}, {2}}), nullptr);
}

TEST(LinearCompact, EmbeddingRowsGatherDequantized) {
  CompactLayer l = make_compact_layer(DType::Q8_0, 32, 5, 1, 11);
  const WeightStore store = open_store(l.bundle);
  auto rows = cpu::make_compact_rows(store, {{"w0"}, {5, 32}});
  ASSERT_NE(rows, nullptr);
  float got[32];
  rows->gather(3, got);
  for (int c = 0; c < 32; ++c) EXPECT_EQ(got[c], l.w[3 * 32 + c]);
}

}  // namespace
}  // namespace cappy
