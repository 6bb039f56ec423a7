// The f32 linear layer the CPU backend uses. Native builds have two GEMMs:
// oneDNN's matmul primitive where the build found libdnnl (the default: the
// faster one on the AVX-512 machine measured in docs/benchmarks.md) and
// XNNPACK's fully-connected operator (CAPPY_F32_GEMM=xnnpack, and the default
// in builds without oneDNN). Both compute a row the same way whatever else is
// in its batch, which the server and the CLI rely on to give the same pair the
// same score. WebAssembly builds use the portable SIMD128 GEMM. All have the
// constructor (weight [out, in], bias, in, out) and run(in, rows, out, pool).
#pragma once

#if CAPPY_WITH_XNNPACK
#include <cstddef>
#include <memory>

#include "backend/cpu/thread_pool.h"
#include "backend/cpu/xnn_linear.h"
#if CAPPY_WITH_ONEDNN
#include "backend/cpu/dnnl_linear.h"
#endif
#else
#include "backend/cpu/linear_portable.h"
#endif

namespace cappy::cpu {
#if CAPPY_WITH_XNNPACK

enum class F32Gemm { OneDnn, Xnnpack };

const char* f32_gemm_name(F32Gemm g);
// CAPPY_F32_GEMM when set (an unknown name, or onednn in a build without it,
// throws cappy::Error), else oneDNN where the build has it, else XNNPACK.
F32Gemm default_f32_gemm();

class F32Linear {
 public:
  F32Linear(const float* weight, const float* bias, int in_features, int out_features,
            F32Gemm gemm = default_f32_gemm());
  ~F32Linear();
  // `in` must have 16 readable bytes past its end (XNNPACK may read them).
  void run(const float* in, std::size_t rows, float* out, const ThreadPool& pool);
  F32Gemm gemm() const { return gemm_; }

 private:
  F32Gemm gemm_;
  std::unique_ptr<XnnLinear> xnn_;
#if CAPPY_WITH_ONEDNN
  std::unique_ptr<DnnlLinear> dnnl_;
#endif
};

#else
using F32Linear = PortableLinear;
#endif
}  // namespace cappy::cpu
