#include "backend/cpu/linear_portable.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "backend/cpu/kernels.h"
#include "cappy/cappy.h"

namespace cappy::cpu {

namespace {

// Four floats in one 128-bit register: v128 under -msimd128, an SSE register
// on x86-64. GCC and Clang both lower the arithmetic to vector instructions.
typedef float V4 __attribute__((vector_size(16)));
// The same, at any float-aligned address (rows of `in` and `out` are not 16-byte aligned).
typedef float V4u __attribute__((vector_size(16), aligned(4)));

inline V4 load(const float* p) { return *reinterpret_cast<const V4u*>(p); }
inline void store(float* p, V4 v) { *reinterpret_cast<V4u*>(p) = v; }
inline V4 splat(float x) { return V4{x, x, x, x}; }

constexpr int kCols = PortableLinear::kCols;
static_assert(kCols == 8, "the micro-kernel holds two vectors per row");

// Cache blocking: a panel's kKc×kCols block of weights (8 KiB) stays in L1
// while it meets every group of rows of a kMc-row block of `in` (64 KiB at
// most, L2). kPanelsPerTask bounds the output tile one thread owns.
constexpr int kKc = 256;
constexpr std::size_t kMc = 64;
constexpr std::size_t kPanelsPerTask = 16;

// c[MR][kCols] (row stride ldc) = (first ? bias : c) + a[MR][kc] · b[kc][kCols].
// a's rows have stride lda; b is one packed panel.
template <int MR>
void micro_kernel(const float* a, std::size_t lda, const float* b, int kc, float* c,
                  std::size_t ldc, const float* bias) {
  V4 acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) {
    const float* init = bias ? bias : c + r * ldc;
    acc0[r] = load(init);
    acc1[r] = load(init + 4);
  }
  for (int k = 0; k < kc; ++k) {
    const V4 b0 = load(b + k * kCols), b1 = load(b + k * kCols + 4);
    for (int r = 0; r < MR; ++r) {
      const V4 x = splat(a[r * lda + k]);
      acc0[r] += x * b0;
      acc1[r] += x * b1;
    }
  }
  for (int r = 0; r < MR; ++r) {
    store(c + r * ldc, acc0[r]);
    store(c + r * ldc + 4, acc1[r]);
  }
}

using MicroKernel = void (*)(const float*, std::size_t, const float*, int, float*, std::size_t,
                             const float*);
constexpr MicroKernel kKernels[PortableLinear::kRows + 1] = {
    nullptr, micro_kernel<1>, micro_kernel<2>, micro_kernel<3>, micro_kernel<4>};

}  // namespace

PortableLinear::PortableLinear(const float* weight, const float* bias, int in_features,
                               int out_features)
    : in_(in_features), out_(out_features) {
  if (in_features < 1 || out_features < 1)
    throw Error("linear layer shape " + std::to_string(out_features) + "x" +
                std::to_string(in_features) + " must be positive");
  panels_ = (static_cast<std::size_t>(out_) + kCols - 1) / kCols;
  packed_.assign(panels_ * in_ * kCols, 0.f);
  bias_.assign(panels_ * kCols, 0.f);
  for (int o = 0; o < out_; ++o) {
    float* panel = packed_.data() + (o / kCols) * in_ * kCols + o % kCols;
    const float* row = weight + static_cast<std::size_t>(o) * in_;
    for (int k = 0; k < in_; ++k) panel[k * kCols] = row[k];
    bias_[o] = bias ? bias[o] : 0.f;
  }
}

void PortableLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool,
                         Activation activation) const {
  if (activation == Activation::Tanh) throw Error("PortableLinear: tanh is not fused");
  const std::size_t row_blocks = (rows + kMc - 1) / kMc;
  const std::size_t col_blocks = (panels_ + kPanelsPerTask - 1) / kPanelsPerTask;
  pool.parallel_for(row_blocks * col_blocks, 1, [&](std::size_t t0, std::size_t t1) {
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t rb = t / col_blocks, cb = t % col_blocks;
      run_tile(in, rb * kMc, std::min(rows, (rb + 1) * kMc), cb * kPanelsPerTask,
               std::min(panels_, (cb + 1) * kPanelsPerTask), out, activation);
    }
  });
}

// Rows [r0, r1) by panels [p0, p1): the k blocks accumulate into `out`, the
// first starting from the bias; the activation runs once the tile is final.
void PortableLinear::run_tile(const float* in, std::size_t r0, std::size_t r1, std::size_t p0,
                              std::size_t p1, float* out, Activation activation) const {
  const std::size_t ldo = static_cast<std::size_t>(out_);
  float edge[kRows * kCols];  // the last panel's tile when out_ is not a multiple of kCols
  for (int k0 = 0; k0 < in_; k0 += kKc) {
    const int kc = std::min(kKc, in_ - k0);
    const bool first = k0 == 0;
    for (std::size_t p = p0; p < p1; ++p) {
      const float* b = packed_.data() + (p * in_ + k0) * kCols;
      const std::size_t col = p * kCols;
      const std::size_t width = std::min<std::size_t>(kCols, ldo - col);
      const float* bias = first ? bias_.data() + col : nullptr;
      for (std::size_t r = r0; r < r1; r += kRows) {
        const int m = static_cast<int>(std::min<std::size_t>(kRows, r1 - r));
        const float* a = in + r * in_ + k0;
        float* c = out + r * ldo + col;
        if (width == kCols) {
          kKernels[m](a, in_, b, kc, c, ldo, bias);
        } else {
          if (!first)
            for (int i = 0; i < m; ++i) std::memcpy(edge + i * kCols, c + i * ldo, width * 4);
          kKernels[m](a, in_, b, kc, edge, kCols, bias);
          for (int i = 0; i < m; ++i) std::memcpy(c + i * ldo, edge + i * kCols, width * 4);
        }
      }
    }
  }
  if (activation == Activation::Gelu) {
    const std::size_t c0 = p0 * kCols, c1 = std::min(ldo, p1 * kCols);
    for (std::size_t r = r0; r < r1; ++r) gelu_inplace(out + r * ldo + c0, c1 - c0);
  }
}

}  // namespace cappy::cpu
