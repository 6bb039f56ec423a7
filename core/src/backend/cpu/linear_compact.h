// Linear layers whose weights stay compact (F16, BF16, GGML Q8_0) in memory: the
// kernel widens one panel of 16 output channels to f32 at a time, in a
// per-thread scratch, and multiplies every input row by it. Memory stays
// near the weight file's size (the weights are used in place, e.g. straight
// from a mapped bundle) instead of 2x (f16) or ~4x (q8) for f32 copies.
//
// Portable C++ written for the vectorizer (as kernels.cc): no intrinsics,
// so it also compiles for WebAssembly SIMD.
#pragma once

#include <cstring>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/cpu/bf16_gemm.h"
#include "backend/cpu/q8_int_gemm.h"
#include "backend/cpu/thread_pool.h"
#include "model/graph.h"
#include "model/weight_store.h"

namespace cappy::cpu {

constexpr int kPanelWidth = 16;  // output channels per panel

// Writes panel[k * kPanelWidth + j] = W[j][k] for the `count` (<= 16) rows
// given, zero for j >= count. `rows[j]` points to output channel j's packed
// row of `in_features` weights.
void unpack_panel_f16(const std::uint8_t* const* rows, int count, int in_features, float* panel);
void unpack_panel_q8(const std::uint8_t* const* rows, int count, int in_features, float* panel);
void unpack_panel_bf16(const std::uint8_t* const* rows, int count, int in_features, float* panel);

// The loop both 16-bit unpackers share: channel j's k-th weight (2 bytes,
// turned into a float by `widen`) goes to panel[k][j]; missing channels are 0.
// Inlined into each multiversioned caller, so it is compiled for its target.
template <class Widen>
__attribute__((always_inline)) inline void unpack_panel_16bit(const std::uint8_t* const* rows, int count,
                                                              int in_features, float* panel, Widen widen) {
  for (int j = 0; j < kPanelWidth; ++j) {
    if (j >= count) {
      for (int k = 0; k < in_features; ++k) panel[k * kPanelWidth + j] = 0.0f;
      continue;
    }
    const std::uint8_t* row = rows[j];
    for (int k = 0; k < in_features; ++k) {
      std::uint16_t bits;
      std::memcpy(&bits, row + 2 * k, 2);
      panel[k * kPanelWidth + j] = widen(bits);
    }
  }
}

class CompactLinear {
 public:
  // `rows`: one pointer per output channel into memory that `owner` keeps alive.
  // Q8_0 layers run on `q8_kernel` (default_q8_kernel() unless a test picks
  // one), BF16 layers on `bf16_kernel` (likewise).
  CompactLinear(DType dtype, std::vector<const std::uint8_t*> rows, std::vector<float> bias,
                int in_features, std::shared_ptr<const void> owner,
                Q8Kernel q8_kernel = default_q8_kernel(),
                Bf16Kernel bf16_kernel = default_bf16_kernel());

  // out[rows, out_features] = in[rows, in_features] · Wᵀ + b.
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const;

  int in_features() const { return in_; }
  int out_features() const { return static_cast<int>(rows_.size()); }
  Q8Kernel q8_kernel() const { return q8_kernel_; }
  Bf16Kernel bf16_kernel() const { return bf16_kernel_; }

 private:
  void run_q8_int(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const;
  void run_bf16_dot(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const;

  DType dtype_;
  std::vector<const std::uint8_t*> rows_;
  std::vector<float> bias_;
  int in_;
  std::shared_ptr<const void> owner_;
  Q8Kernel q8_kernel_;
  Bf16Kernel bf16_kernel_;
};

// The layer for a Linear op whose weight is stored as F16, BF16 or Q8_0
// (every part of a fused weight in the same dtype); null for other dtypes,
// which the f32 path handles.
std::unique_ptr<CompactLinear> make_compact_linear(const WeightStore& store, const WeightRef& weight,
                                                   const WeightRef& bias,
                                                   Q8Kernel q8_kernel = default_q8_kernel(),
                                                   Bf16Kernel bf16_kernel = default_bf16_kernel());

// Embedding rows gathered from an F16, BF16 or Q8_0 table, widened to f32.
class CompactRows {
 public:
  CompactRows(const TensorView& table, std::shared_ptr<const void> owner);
  // out[c] = table[row][c] for c < cols.
  void gather(std::int64_t row, float* out) const;
  std::int64_t rows() const { return rows_; }

 private:
  DType dtype_;
  const std::uint8_t* data_;
  std::int64_t rows_;
  int cols_;
  std::size_t row_bytes_;
  std::shared_ptr<const void> owner_;
};

// A CompactRows for a weight stored as F16, BF16 or Q8_0; null otherwise.
std::unique_ptr<CompactRows> make_compact_rows(const WeightStore& store, const WeightRef& weight);

// Like embed_rows (kernels.h), with the word table compact.
void embed_rows_compact(const CompactRows& word, const float* position, const float* token_type,
                        const std::int32_t* ids, const std::int32_t* positions,
                        const std::int32_t* types, int cols, std::size_t r0, std::size_t r1, float* out);

}  // namespace cappy::cpu
