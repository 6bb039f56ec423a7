// The bf16 dot-product kernels of bf16_gemm.h. Panel layout (all kernels):
//   [k2/2 pairs][32 channels][2 bf16]: the weights k = 2g, 2g + 1 of channel
//   j side by side, so one 64-byte load is 16 channels x 2 consecutive k, what
//   VDPBF16PS multiplies with one broadcast pair of activations.
#include "backend/cpu/bf16_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "backend/cpu/kernel_choice.h"
#include "backend/cpu/multiversion.h"
#include "cappy/cappy.h"
#include "model/tensor.h"

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define CAPPY_BF16_X86 1
#include <immintrin.h>
#else
#define CAPPY_BF16_X86 0
#endif

namespace cappy::cpu {

namespace {

constexpr std::size_t kPairStride = static_cast<std::size_t>(kBf16Panel) * 2;  // bf16 per pair row

float widen(std::uint16_t b) { return bf16_to_float(b); }

// Plain C++ on the same rounded activations and panel, in the order the
// instruction is specified to add (odd product, then even product, into the
// f32 accumulator), bias added last as the SIMD kernel does.
void gemm_reference(const Bf16Activations& a, std::size_t rows, const std::uint16_t* panel,
                    const float* bias, float* out, std::size_t out_stride, int ncols) {
  const int pairs = a.k2 / 2;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint16_t* x = a.x.data() + r * a.k2;
    for (int j = 0; j < ncols; ++j) {
      float acc = 0.0f;
      for (int g = 0; g < pairs; ++g) {
        const std::uint16_t* w = panel + g * kPairStride + j * 2;
        acc += widen(w[1]) * widen(x[2 * g + 1]);
        acc += widen(w[0]) * widen(x[2 * g]);
      }
      out[r * out_stride + j] = acc + bias[j];
    }
  }
}

#if CAPPY_BF16_X86

std::int32_t load_pair(const std::uint16_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

constexpr int kRowsAvx512 = 12;  // 12 rows x 2 x 16 channels: 24 f32 accumulators

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void gemm_avx512bf16(const Bf16Activations& a, std::size_t rows, const std::uint16_t* panel,
                     const float* bias, float* out, std::size_t out_stride, int ncols) {
  constexpr int R = kRowsAvx512;
  const int pairs = a.k2 / 2;
  const __mmask16 mask0 = ncols >= 16 ? 0xffff : static_cast<__mmask16>((1u << ncols) - 1);
  const __mmask16 mask1 =
      ncols >= 32 ? 0xffff : ncols <= 16 ? 0 : static_cast<__mmask16>((1u << (ncols - 16)) - 1);
  const __m512 bias0 = _mm512_loadu_ps(bias), bias1 = _mm512_loadu_ps(bias + 16);
  for (std::size_t r0 = 0; r0 < rows; r0 += R) {
    const std::size_t valid = std::min<std::size_t>(R, rows - r0);
    // Missing rows of the last block repeat the last row; their results are dropped.
    const std::uint16_t* xr[R];
    for (int i = 0; i < R; ++i)
      xr[i] = a.x.data() + (r0 + std::min<std::size_t>(i, valid - 1)) * static_cast<std::size_t>(a.k2);
    __m512 acc0[R], acc1[R];
    for (int i = 0; i < R; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
    for (int g = 0; g < pairs; ++g) {
      const __m512i w0 = _mm512_loadu_si512(panel + g * kPairStride);
      const __m512i w1 = _mm512_loadu_si512(panel + g * kPairStride + 32);
#pragma GCC unroll 12
      for (int i = 0; i < R; ++i) {
        const __m512i xb = _mm512_set1_epi32(load_pair(xr[i] + 2 * g));
        acc0[i] = _mm512_dpbf16_ps(acc0[i], (__m512bh)w0, (__m512bh)xb);
        acc1[i] = _mm512_dpbf16_ps(acc1[i], (__m512bh)w1, (__m512bh)xb);
      }
    }
    for (std::size_t i = 0; i < valid; ++i) {
      float* o = out + (r0 + i) * out_stride;
      _mm512_mask_storeu_ps(o, mask0, _mm512_add_ps(acc0[i], bias0));
      _mm512_mask_storeu_ps(o + 16, mask1, _mm512_add_ps(acc1[i], bias1));
    }
  }
}

bool cpu_has_avx512bf16() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

#endif  // CAPPY_BF16_X86

}  // namespace

void Bf16Activations::resize(std::size_t rows, int cols) {
  k = cols;
  k2 = (cols + 1) & ~1;
  if (x.size() < rows * k2) x.resize(rows * k2);
}

CAPPY_MULTIVERSION
void round_rows_bf16(const float* x, std::size_t r0, std::size_t r1, Bf16Activations& a) {
  const int k = a.k;
  for (std::size_t r = r0; r < r1; ++r) {
    const float* v = x + r * k;
    std::uint16_t* q = a.x.data() + r * a.k2;
    for (int i = 0; i < k; ++i) q[i] = float_to_bf16(v[i]);
    if (a.k2 != k) q[k] = 0;
  }
}

std::size_t bf16_panel_bytes(int k) {
  return static_cast<std::size_t>((k + 1) / 2) * kPairStride * sizeof(std::uint16_t);
}

void pack_bf16_panel(const std::uint8_t* const* rows, int count, int k, std::uint16_t* panel) {
  const int pairs = (k + 1) / 2;
  for (int j = 0; j < kBf16Panel; ++j) {
    std::uint16_t* dst = panel + j * 2;
    if (j >= count) {
      for (int g = 0; g < pairs; ++g) dst[g * kPairStride] = dst[g * kPairStride + 1] = 0;
      continue;
    }
    const std::uint8_t* row = rows[j];
    for (int g = 0; g < k / 2; ++g) std::memcpy(dst + g * kPairStride, row + 4 * g, 4);
    if (k % 2) {
      std::memcpy(dst + (pairs - 1) * kPairStride, row + 2 * (k - 1), 2);
      dst[(pairs - 1) * kPairStride + 1] = 0;
    }
  }
}

void bf16_panel_gemm(Bf16Kernel kernel, const Bf16Activations& a, std::size_t rows,
                     const std::uint16_t* panel, const float* bias, float* out,
                     std::size_t out_stride, int ncols) {
  switch (kernel) {
#if CAPPY_BF16_X86
    case Bf16Kernel::Avx512Bf16:
      return gemm_avx512bf16(a, rows, panel, bias, out, out_stride, ncols);
#endif
    case Bf16Kernel::Reference:
      return gemm_reference(a, rows, panel, bias, out, out_stride, ncols);
    default:
      throw Error(std::string("bf16 kernel ") + bf16_kernel_name(kernel) +
                  " is not a dot-product kernel of this build");
  }
}

const char* bf16_kernel_name(Bf16Kernel k) {
  switch (k) {
    case Bf16Kernel::Widen: return "widen";
    case Bf16Kernel::Reference: return "reference";
    case Bf16Kernel::Avx512Bf16: return "avx512bf16";
  }
  return "?";
}

bool bf16_kernel_supported(Bf16Kernel k) {
  switch (k) {
    case Bf16Kernel::Widen:
    case Bf16Kernel::Reference:
      return true;
#if CAPPY_BF16_X86
    case Bf16Kernel::Avx512Bf16: return cpu_has_avx512bf16();
#endif
    default:
      return false;
  }
}

Bf16Kernel default_bf16_kernel() {
  if (const auto chosen = kernel_from_env("CAPPY_BF16_KERNEL",
                                          {Bf16Kernel::Widen, Bf16Kernel::Reference, Bf16Kernel::Avx512Bf16},
                                          bf16_kernel_name, bf16_kernel_supported))
    return *chosen;
  return bf16_kernel_supported(Bf16Kernel::Avx512Bf16) ? Bf16Kernel::Avx512Bf16 : Bf16Kernel::Widen;
}

}  // namespace cappy::cpu
