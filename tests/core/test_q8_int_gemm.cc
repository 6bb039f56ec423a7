// The integer Q8_0 kernels (q8_int_gemm.h: int16 or int8 activations x int8
// weights), every one this CPU can run:
//  - each kernel against a double-precision sum over the same quantized
//    activations and weights (only f32 rounding may differ);
//  - the SIMD kernels against the plain C++ one (same integer sums);
//  - against the f32 product of the unquantized input, within the bound that
//    rounding the activations to int16 (int8) allows;
// over shapes that hit every tail (rows per register block, channels per
// panel and per half panel), and the quantizer's own guarantees.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "backend/cpu/q8_int_gemm.h"
#include "cappy/cappy.h"
#include "model/tensor.h"
#include "test_support.h"

namespace cappy {
namespace {

using cpu::Q8Kernel;

// The supported kernels that take int8 activations, or int16 ones.
std::vector<Q8Kernel> integer_kernels(bool int8) {
  std::vector<Q8Kernel> out;
  for (Q8Kernel k : {Q8Kernel::Reference, Q8Kernel::Avx2, Q8Kernel::AvxVnni, Q8Kernel::Avx512Vnni, Q8Kernel::ReferenceInt8,
                     Q8Kernel::Avx512VnniInt8})
    if (cpu::q8_kernel_supported(k) && cpu::q8_kernel_int8(k) == int8) out.push_back(k);
  return out;
}

struct Q8Weights {
  std::vector<std::uint8_t> bytes;  // [out][k/32] Q8_0 blocks
  std::vector<float> w;             // dequantized, [out][k]
  int out = 0, k = 0;
  const std::uint8_t* row(int j) const { return bytes.data() + static_cast<std::size_t>(j) * (k / 32) * 34; }
};

Q8Weights random_weights(int out, int k, unsigned seed, bool extreme = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  Q8Weights q;
  q.out = out;
  q.k = k;
  q.bytes.resize(static_cast<std::size_t>(out) * (k / 32) * 34);
  q.w.resize(static_cast<std::size_t>(out) * k);
  std::vector<float> v(k);
  for (int j = 0; j < out; ++j) {
    for (auto& x : v) x = normal(rng);
    for (int b = 0; b < k / 32; ++b) quantize_q8_block(v.data() + b * 32, const_cast<std::uint8_t*>(q.row(j)) + b * 34);
    if (extreme) {  // -128 and +127 (a foreign file may hold -128; GGML's rule never writes it)
      std::uint8_t* blk = const_cast<std::uint8_t*>(q.row(j));
      for (int i = 0; i < 32; ++i) blk[2 + i] = static_cast<std::uint8_t>(i % 2 ? -128 : 127);
    }
    for (int b = 0; b < k / 32; ++b) dequantize_q8_block(q.row(j) + b * 34, q.w.data() + static_cast<std::size_t>(j) * k + b * 32);
  }
  return q;
}

std::vector<float> random_input(std::size_t rows, int k, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(rows * k);
  for (auto& v : x) v = normal(rng);
  if (!x.empty()) x[0] = 0.0f;
  if (k >= 64 && rows > 1)  // one all-zero block: scale 0
    for (int i = 0; i < 32; ++i) x[k + 32 + i] = 0.0f;
  if (k >= 96 && rows > 2)  // one block of positives only, like a GELU's output: int8 zero point 0
    for (int i = 64; i < 96; ++i) x[2 * k + i] = std::fabs(x[2 * k + i]);
  return x;
}

// Runs kernel over all panels of the layer; out[rows][n].
std::vector<float> run_kernel(Q8Kernel kernel, const Q8Weights& q, const cpu::Q8Activations& a,
                              std::size_t rows, const std::vector<float>& bias) {
  std::vector<float> out(rows * q.out, -999.0f);
  std::vector<std::uint8_t> panel(cpu::q8_panel_bytes(kernel, q.k));
  std::vector<float> b(bias);
  b.resize(bias.size() + 32, 0.0f);
  for (int o0 = 0; o0 < q.out; o0 += 32) {
    const int count = std::min(32, q.out - o0);
    std::vector<const std::uint8_t*> ptrs;
    for (int j = 0; j < count; ++j) ptrs.push_back(q.row(o0 + j));
    cpu::pack_q8_panel(kernel, ptrs.data(), count, q.k, panel.data());
    cpu::q8_panel_gemm(kernel, a, 0, rows, panel.data(), b.data() + o0, out.data() + o0, q.out, count);
  }
  return out;
}

void check_shape(int k, int out, std::size_t rows, bool extreme = false) {
  for (bool int8 : {false, true}) {
  SCOPED_TRACE("k " + std::to_string(k) + " out " + std::to_string(out) + " rows " + std::to_string(rows) +
               (int8 ? " int8" : " int16"));
  const Q8Weights q = random_weights(out, k, static_cast<unsigned>(k * 7 + out * 3 + rows), extreme);
  const std::vector<float> x = random_input(rows, k, static_cast<unsigned>(rows + 5));
  std::vector<float> bias(out);
  for (int j = 0; j < out; ++j) bias[j] = 0.01f * static_cast<float>(j % 7) - 0.03f;
  cpu::Q8Activations a;
  a.resize(rows, k, int8);
  cpu::quantize_rows(x.data(), 0, rows, a);
  const std::vector<float> ref = run_kernel(int8 ? Q8Kernel::ReferenceInt8 : Q8Kernel::Reference, q, a, rows, bias);
  for (Q8Kernel kernel : integer_kernels(int8)) {
    SCOPED_TRACE(cpu::q8_kernel_name(kernel));
    const std::vector<float> got = run_kernel(kernel, q, a, rows, bias);
    for (std::size_t r = 0; r < rows; ++r)
      for (int j = 0; j < out; ++j) {
        // The exact value on the quantized operands, and how far f32 rounding may move it.
        double exact = bias[j], magnitude = std::fabs(bias[j]), quant_bound = 0.0;
        for (int i = 0; i < k; ++i) {
          const int blk = i / 32;
          const double xs = a.scale[r * (k / 32) + blk];
          const double xq = xs * a.value(r * k + i);
          const double w = q.w[static_cast<std::size_t>(j) * k + i];
          exact += xq * w;
          magnitude += std::fabs(xq * w);
          quant_bound += std::fabs(w) * xs / 2;  // |x - xq| <= scale / 2
        }
        double f32_exact = bias[j];
        for (int i = 0; i < k; ++i) f32_exact += static_cast<double>(x[r * k + i]) * q.w[static_cast<std::size_t>(j) * k + i];
        const float y = got[r * out + j];
        ASSERT_NEAR(y, exact, 1e-5 * (1.0 + magnitude)) << "row " << r << " channel " << j;
        ASSERT_NEAR(y, ref[r * out + j], 1e-5 * (1.0 + magnitude)) << "row " << r << " channel " << j;
        ASSERT_LE(std::fabs(y - f32_exact), quant_bound * (1 + 1e-4) + 1e-5 * (1.0 + magnitude))
            << "row " << r << " channel " << j;
      }
  }
  }
}

TEST(Q8IntGemm, EveryKernelMatchesTheQuantizedProductOverEveryTail) {
  ASSERT_FALSE(integer_kernels(false).empty());
  ASSERT_FALSE(integer_kernels(true).empty());
  for (std::size_t rows : {1u, 2u, 3u, 4u, 6u, 7u, 13u})
    for (int out : {1, 8, 15, 16, 17, 31, 32, 33, 70}) check_shape(64, out, rows);
  check_shape(32, 5, 3);
  check_shape(1024, 40, 9);
}

TEST(Q8IntGemm, WeightsOfMinus128AreExact) {
  for (std::size_t rows : {1u, 7u}) check_shape(96, 33, rows, /*extreme=*/true);
}

TEST(Q8IntGemm, QuantizerRoundsEachBlockWithinHalfAStep) {
  for (bool int8 : {false, true}) {
  SCOPED_TRACE(int8 ? "int8" : "int16");
  const int k = 96;
  const std::size_t rows = 3;
  std::vector<float> x = random_input(rows, k, 9);
  x[5] = 1e30f;   // a huge value sets its block's scale; the others stay finite
  x[6] = -1e-30f;
  cpu::Q8Activations a;
  a.resize(rows, k, int8);
  cpu::quantize_rows(x.data(), 0, rows, a);
  for (std::size_t r = 0; r < rows; ++r)
    for (int b = 0; b < k / 32; ++b) {
      const float d = a.scale[r * 3 + b];
      float amax = 0, lo = 0, hi = 0;
      for (int i = 0; i < 32; ++i) {
        const float v = x[r * k + b * 32 + i];
        const int qi = a.value(r * k + b * 32 + i);
        amax = std::max(amax, std::fabs(v));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        if (int8) {  // stored unsigned for VPDPBUSD, with the block's zero point
          EXPECT_EQ(a.u8[r * k + b * 32 + i], qi + a.zero[r * 3 + b]);
        } else {
          EXPECT_LE(std::abs(qi), 32767);
        }
        EXPECT_LE(std::fabs(v - d * qi), d / 2 * (1 + 1e-5f) + 1e-30f) << r << " " << b << " " << i;
      }
      if (int8) {
        // Every level of 0..255 spans [min(x, 0), max(x, 0)]: twice the symmetric code's resolution on a one-sided block.
        EXPECT_FLOAT_EQ(d, (hi - lo) / 255.0f);
        EXPECT_GE(a.zero[r * 3 + b], 0);
        EXPECT_LE(a.zero[r * 3 + b], 255);
      } else {
        EXPECT_FLOAT_EQ(d, amax / 32767.0f);
      }
    }
  EXPECT_EQ(a.scale[1 * 3 + 1], 0.0f);  // the all-zero block of row 1
  if (int8) {
    EXPECT_EQ(a.zero[2 * 3 + 2], 0);  // the positive block: zero at the bottom of the range
    EXPECT_EQ(a.u8[2 * k + 64 + 0] + 0, static_cast<int>(std::nearbyint(x[2 * k + 64] / a.scale[2 * 3 + 2])));
  }
  }
}

TEST(Q8IntGemm, ActivationsOfTheWrongWidthAreRefused) {
  const Q8Weights q = random_weights(32, 64, 3);
  const std::vector<float> x = random_input(2, 64, 4);
  cpu::Q8Activations a;
  a.resize(2, 64, /*int8=*/false);
  cpu::quantize_rows(x.data(), 0, 2, a);
  test::expect_error([&] { run_kernel(Q8Kernel::ReferenceInt8, q, a, 2, std::vector<float>(32)); },
                     "reference-int8: activations quantized to int16",
                     "int16 activations were given to an int8 kernel");
}

TEST(Q8IntGemm, KernelChoiceFollowsTheEnvironment) {
  const char* old = std::getenv("CAPPY_Q8_KERNEL");
  const std::string saved = old ? old : "";
  setenv("CAPPY_Q8_KERNEL", "reference", 1);
  EXPECT_EQ(cpu::default_q8_kernel(), Q8Kernel::Reference);
  setenv("CAPPY_Q8_KERNEL", "portable", 1);
  EXPECT_EQ(cpu::default_q8_kernel(), Q8Kernel::Portable);
  setenv("CAPPY_Q8_KERNEL", "reference-int8", 1);
  EXPECT_EQ(cpu::default_q8_kernel(), Q8Kernel::ReferenceInt8);
  if (cpu::q8_kernel_supported(Q8Kernel::Avx512Vnni)) {  // int16 activations stay available
    setenv("CAPPY_Q8_KERNEL", "avx512vnni", 1);
    EXPECT_EQ(cpu::default_q8_kernel(), Q8Kernel::Avx512Vnni);
  }
  setenv("CAPPY_Q8_KERNEL", "avxvnni", 1);  // named, but refused where the CPU lacks it
  if (cpu::q8_kernel_supported(Q8Kernel::AvxVnni)) {
    EXPECT_EQ(cpu::default_q8_kernel(), Q8Kernel::AvxVnni);
  } else {
    test::expect_error([] { cpu::default_q8_kernel(); },
                       "CAPPY_Q8_KERNEL=avxvnni: this CPU or build does not support it",
                       "avxvnni was accepted on a CPU without it");
  }
  setenv("CAPPY_Q8_KERNEL", "avx9000", 1);
  test::expect_error([] { cpu::default_q8_kernel(); }, "CAPPY_Q8_KERNEL=avx9000",
                     "an unknown kernel name was accepted");
  if (old) setenv("CAPPY_Q8_KERNEL", saved.c_str(), 1); else unsetenv("CAPPY_Q8_KERNEL");
  // Without the variable: the best kernel this CPU supports.
  if (!old) {
    const Q8Kernel best = cpu::default_q8_kernel();
    EXPECT_TRUE(cpu::q8_kernel_supported(best));
    if (cpu::q8_kernel_supported(Q8Kernel::Avx512VnniInt8)) EXPECT_EQ(best, Q8Kernel::Avx512VnniInt8);
    else if (cpu::q8_kernel_supported(Q8Kernel::AvxVnni)) EXPECT_EQ(best, Q8Kernel::AvxVnni);
  }
}

}  // namespace
}  // namespace cappy
