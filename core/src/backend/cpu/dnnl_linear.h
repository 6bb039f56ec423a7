// One f32 linear layer on oneDNN's matmul primitive (Debian libdnnl, native
// builds; the default f32 GEMM where the build has it, see f32_linear.h). Why
// beside XNNPACK: on the development machine (AMD Zen 5, AVX-512) oneDNN 2.6's
// brgemm matmul runs the encoder's GEMMs well ahead of Debian's 2022 XNNPACK
// snapshot (docs/benchmarks.md).
//
// Why the matmul primitive and not dnnl_sgemm: sgemm repacks the weights on
// every call and picks its blocking from the number of rows, so a row's result
// changed in the last bits with the size of its batch. Here the weights are
// packed once, at load, into the layout the primitive asks for, and every
// call multiplies the same way:
// - the output channels are cut into slices of kSliceColumns, each with its
//   own packed weights, and the rows into chunks of kChunkRows, the last one
//   padded with zero rows to a multiple of kTailRowStep;
// - each (row chunk, slice) is one single-threaded matmul, and the CPU
//   backend's own pool runs them in parallel. oneDNN's OpenMP team is never
//   used: beside the pool, its spinning threads took a fifth of the two cores;
// - oneDNN JIT-compiles one primitive per shape and caches it, so the shapes
//   are few (at most 32 row counts per slice width): one per batch size
//   would make the server's memory grow with every new size it meets.
// A row's output is then bit-identical whatever else is in the batch and
// whatever the thread count (tests/core/test_linear_portable.cc checks both).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "backend/cpu/thread_pool.h"

namespace cappy::cpu {

class DnnlLinear {
 public:
  // weight [out_features, in_features] row-major (PyTorch's layout), bias [out];
  // both copied (the weights into oneDNN's packed layout).
  DnnlLinear(const float* weight, const float* bias, int in_features, int out_features);
  ~DnnlLinear();

  // out[rows, out_features] = in[rows, in_features] · Wᵀ + b on the pool's threads.
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const;

  int in_features() const { return in_; }
  int out_features() const { return out_; }

 private:
  static constexpr std::size_t kChunkRows = 256, kTailRowStep = 8;
  static constexpr int kSliceColumns = 256;

  struct Slice;  // oneDNN objects, kept out of this header
  // One slice's matmul of `rows` rows (a multiple of kTailRowStep, or
  // kChunkRows) into out[rows][slice width].
  void multiply(const Slice& slice, const float* in, std::size_t rows, float* out) const;
  void run_task(const Slice& slice, const float* in, std::size_t rows, float* out) const;

  std::vector<std::unique_ptr<Slice>> slices_;
  int in_ = 0, out_ = 0;
};

}  // namespace cappy::cpu
