// One linear layer as an XNNPACK fully-connected operator. The weights are
// packed into XNNPACK's layout at creation, so the source may be released.
#pragma once

#include <cstddef>

#include "backend/cpu/thread_pool.h"

struct xnn_operator;

namespace cappy::cpu {

// Calls xnn_initialize once per process; throws cappy::Error when the CPU is
// not supported.
void ensure_xnnpack();

class XnnLinear {
 public:
  // weight [out_features, in_features] row-major (PyTorch's layout), bias [out].
  XnnLinear(const float* weight, const float* bias, int in_features, int out_features);
  ~XnnLinear();
  XnnLinear(const XnnLinear&) = delete;
  XnnLinear& operator=(const XnnLinear&) = delete;

  // out[rows, out_features] = in[rows, in_features] · Wᵀ + b. `in` must have
  // 16 readable bytes past its end (XNNPACK may read them).
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool);

  int in_features() const { return in_; }
  int out_features() const { return out_; }

 private:
  xnn_operator* op_ = nullptr;
  int in_ = 0, out_ = 0;
};

}  // namespace cappy::cpu
