// One f32 linear layer (out = act(in · Wᵀ + b)) in portable C++: a
// cache-blocked GEMM whose micro-kernel is written with 128-bit vector types,
// which compile to WebAssembly SIMD128 under Emscripten (-msimd128) and to SSE
// natively. It is the CPU backend's linear layer where XNNPACK is absent
// (WebAssembly); natively it is tested against a reference and XNNPACK.
#pragma once

#include <cstddef>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "model/graph.h"

namespace cappy::cpu {

class PortableLinear {
 public:
  // weight [out_features, in_features] row-major (PyTorch's layout), bias
  // [out_features]; both are copied (packed) here, so the source may be released.
  PortableLinear(const float* weight, const float* bias, int in_features, int out_features);

  // out[rows, out_features] = act(in[rows, in_features] · Wᵀ + b), with the
  // bias and the activation (None or Gelu; Tanh is left to the caller) fused.
  // Any shape is correct; `in` needs no slack past its end.
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool,
           Activation activation = Activation::None) const;

  int in_features() const { return in_; }
  int out_features() const { return out_; }

  // The micro-kernel's tile: kRows rows of `in` by kCols output columns.
  static constexpr int kRows = 4;
  static constexpr int kCols = 8;

 private:
  void run_tile(const float* in, std::size_t r0, std::size_t r1, std::size_t p0, std::size_t p1,
                float* out, Activation activation) const;

  int in_ = 0, out_ = 0;
  std::size_t panels_ = 0;      // ceil(out / kCols)
  std::vector<float> packed_;   // panel p: [in][kCols] (columns p*kCols...), zero-padded
  std::vector<float> bias_;     // zero-padded to panels_ * kCols
};

}  // namespace cappy::cpu
