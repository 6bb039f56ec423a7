// One f32 linear layer on oneDNN's sgemm (Debian libdnnl, native builds;
// opt-in with CAPPY_F32_GEMM=onednn, see f32_linear.h). Why beside XNNPACK:
// on the development machine (AMD Zen 5, AVX-512) oneDNN 2.6's sgemm runs the
// FFN's GEMM 1.5-2.3x faster than Debian's 2022 XNNPACK snapshot
// (docs/benchmarks.md), and it reads the weights in PyTorch's [out, in] layout.
#pragma once

#include <cstddef>
#include <vector>

#include "backend/cpu/thread_pool.h"

namespace cappy::cpu {

class DnnlLinear {
 public:
  // weight [out_features, in_features] row-major (PyTorch's layout), bias [out]; copied.
  DnnlLinear(const float* weight, const float* bias, int in_features, int out_features);

  // out[rows, out_features] = in[rows, in_features] · Wᵀ + b, on pool.threads()
  // OpenMP threads (oneDNN's runtime in Debian's build).
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const;

  int in_features() const { return in_; }
  int out_features() const { return out_; }

 private:
  std::vector<float> weight_, bias_;
  int in_ = 0, out_ = 0;
};

}  // namespace cappy::cpu
