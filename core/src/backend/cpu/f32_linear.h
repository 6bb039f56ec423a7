// The f32 linear layer the CPU backend uses: XNNPACK's where the build has it
// (native), the portable SIMD128/SSE GEMM otherwise (WebAssembly). Both have
// the constructor (weight [out, in], bias, in, out) and run(in, rows, out, pool).
#pragma once

#if CAPPY_WITH_XNNPACK
#include "backend/cpu/xnn_linear.h"
#else
#include "backend/cpu/linear_portable.h"
#endif

namespace cappy::cpu {
#if CAPPY_WITH_XNNPACK
using F32Linear = XnnLinear;
#else
using F32Linear = PortableLinear;
#endif
}  // namespace cappy::cpu
