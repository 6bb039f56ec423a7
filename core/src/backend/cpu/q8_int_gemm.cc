// The integer Q8_0 kernels of q8_int_gemm.h. Panel layouts:
// int16 kernels
//   weights  [k/32 blocks][16 pairs][32 channels][2 int16]: the weights
//            k = 32b + 2g, 32b + 2g + 1 of channel j widened to int16, so one
//            64-byte load is 16 channels x 2 consecutive k, what VPDPWSSD (and
//            VPMADDWD) multiplies with one broadcast pair of activations.
//   scales   [k/32 blocks][32 channels] f32 weight scales.
// int8 kernels (q8_kernel_int8)
//   weights  [k/32 blocks][8 groups][32 channels][4 int8]: the Q8_0 weights
//            k = 32b + 4g .. 32b + 4g + 3 of channel j as stored, so one
//            64-byte load is 16 channels x 4 consecutive k, what VPDPBUSD
//            multiplies (unsigned x signed) with one broadcast group of 4
//            activations, stored unsigned as q + zero.
//   scales   as above.
//   wsums    [k/32 blocks][32 channels] int32: minus the sum of the block's
//            weights (|sum| <= 32 x 128, so it is also an int16 in the low
//            half). A row's block sum starts at zero x wsum, one VPMADDWD of
//            the broadcast zero point (high half 0) with it, so that it comes
//            out as the sum of q x w.
// Sums of a block cannot overflow: 32 x 32767 x 128 < 2^31, and for int8
// 32 x 255 x 128 + 255 x 4096 < 2^31.
#include "backend/cpu/q8_int_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "backend/cpu/kernel_choice.h"
#include "backend/cpu/multiversion.h"
#include "cappy/cappy.h"
#include "model/tensor.h"

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define CAPPY_Q8_X86 1
#include <immintrin.h>
#else
#define CAPPY_Q8_X86 0
#endif

namespace cappy::cpu {

namespace {

constexpr int kBlock = static_cast<int>(kQ8BlockElems);
constexpr int kPairs = kBlock / 2;
// Bytes of one block's weights in a panel: int16 or int8.
constexpr std::size_t block_bytes(bool int8) { return static_cast<std::size_t>(kBlock) * kQ8IntPanel * (int8 ? 1 : 2); }
constexpr float kActMax = 32767.0f;
constexpr float kAct8Levels = 255.0f;  // int8: 256 levels, 0..255 with a zero point

const float* panel_scales(const std::uint8_t* panel, int blocks, bool int8) {
  return reinterpret_cast<const float*>(panel + static_cast<std::size_t>(blocks) * block_bytes(int8));
}

const std::int32_t* panel_wsums(const std::uint8_t* panel, int blocks) {
  return reinterpret_cast<const std::int32_t*>(panel_scales(panel, blocks, true) + blocks * kQ8IntPanel);
}

// Weight k of channel j of a block in either panel layout.
std::int32_t panel_weight(const std::uint8_t* block, bool int8_layout, int j, int i) {
  if (int8_layout)  // [8 groups][32 channels][4 x w]
    return static_cast<std::int8_t>(block[(static_cast<std::size_t>(i / 4) * kQ8IntPanel + j) * 4 + i % 4]);
  std::int16_t w;   // [16 pairs][32 channels][2 x int16]
  std::memcpy(&w, block + (static_cast<std::size_t>(i / 2) * kQ8IntPanel + j) * 4 + (i % 2) * 2, 2);
  return w;
}

// Plain C++ on the quantized data (int16 or int8 activations, as `a` holds):
// the same integer sums and the same f32 accumulation per block as the SIMD kernels.
void gemm_reference(const Q8Activations& a, std::size_t row_begin, std::size_t row_end, const std::uint8_t* panel,
                    const float* bias, float* out, std::size_t out_stride, int ncols) {
  const int k = a.k, blocks = k / kBlock;
  const float* ws = panel_scales(panel, blocks, a.int8);
  for (std::size_t r = row_begin; r < row_end; ++r) {
    const float* xs = a.scale.data() + r * blocks;
    for (int j = 0; j < ncols; ++j) {
      float acc = 0.0f;
      for (int b = 0; b < blocks; ++b) {
        const std::uint8_t* block = panel + static_cast<std::size_t>(b) * block_bytes(a.int8);
        std::int32_t dot = 0;
        for (int i = 0; i < kBlock; ++i) dot += panel_weight(block, a.int8, j, i) * a.value(r * k + b * kBlock + i);
        acc += static_cast<float>(dot) * (ws[b * kQ8IntPanel + j] * xs[b]);
      }
      out[r * out_stride + j] = acc + bias[j];
    }
  }
}

#if CAPPY_Q8_X86

constexpr int kGroups = kBlock / 4;  // int8 panel: groups of 4 k

std::int32_t load_pair(const std::int16_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

constexpr int kRowsAvx512 = 6;  // 6 rows x 2 x 16 channels: 12 int + 12 f32 accumulators

// kInt8 = false: int16 activations, VPDPWSSD on the int16 panel.
// kInt8 = true: int8 activations (unsigned, q + zero), VPDPBUSD on the int8
// panel, each row's block sums starting at zero x the panel's wsums.
// GCC 12 reports _mm512_cvtepi32_ps's deliberately undefined pass-through
// operand (_mm512_undefined_ps) as "maybe uninitialized" here; it is not read.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <bool kInt8>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma")))
void gemm_avx512vnni(const Q8Activations& a, std::size_t row_begin, std::size_t row_end, const std::uint8_t* panel,
                     const float* bias, float* out, std::size_t out_stride, int ncols) {
  using Act = std::conditional_t<kInt8, std::uint8_t, std::int16_t>;
  constexpr int R = kRowsAvx512;
  constexpr int kSteps = kInt8 ? kGroups : kPairs;  // broadcasts per block
  constexpr int kPerStep = kBlock / kSteps;          // activations per broadcast
  const int k = a.k, blocks = k / kBlock;
  const float* ws = panel_scales(panel, blocks, kInt8);
  const std::int32_t* wsums = kInt8 ? panel_wsums(panel, blocks) : nullptr;
  const __mmask16 mask0 = ncols >= 16 ? 0xffff : static_cast<__mmask16>((1u << ncols) - 1);
  const __mmask16 mask1 =
      ncols >= 32 ? 0xffff : ncols <= 16 ? 0 : static_cast<__mmask16>((1u << (ncols - 16)) - 1);
  const __m512 bias0 = _mm512_loadu_ps(bias), bias1 = _mm512_loadu_ps(bias + 16);
  const Act* acts;
  if constexpr (kInt8) acts = a.u8.data(); else acts = a.q.data();
  for (std::size_t r0 = row_begin; r0 < row_end; r0 += R) {
    const std::size_t valid = std::min<std::size_t>(R, row_end - r0);
    // Missing rows of the last block repeat the last row; their results are dropped.
    const Act* xr[R];
    const float* sr[R];
    const std::int32_t* zr[R];
    for (int i = 0; i < R; ++i) {
      const std::size_t r = r0 + std::min<std::size_t>(i, valid - 1);
      xr[i] = acts + r * k;
      sr[i] = a.scale.data() + r * blocks;
      zr[i] = kInt8 ? a.zero.data() + r * blocks : nullptr;
    }
    __m512 f0[R], f1[R];
    for (int i = 0; i < R; ++i) f0[i] = f1[i] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; ++b) {
      __m512i acc0[R], acc1[R];
      if constexpr (kInt8) {
        const __m512i wsum0 = _mm512_loadu_si512(wsums + b * kQ8IntPanel);
        const __m512i wsum1 = _mm512_loadu_si512(wsums + b * kQ8IntPanel + 16);
        for (int i = 0; i < R; ++i) {
          const __m512i zero = _mm512_set1_epi32(zr[i][b]);
          acc0[i] = _mm512_madd_epi16(zero, wsum0);
          acc1[i] = _mm512_madd_epi16(zero, wsum1);
        }
      } else {
        for (int i = 0; i < R; ++i) acc0[i] = acc1[i] = _mm512_setzero_si512();
      }
      const std::uint8_t* wb = panel + static_cast<std::size_t>(b) * block_bytes(kInt8);
      for (int g = 0; g < kSteps; ++g) {
        const __m512i w0 = _mm512_loadu_si512(wb + g * 128);
        const __m512i w1 = _mm512_loadu_si512(wb + g * 128 + 64);
        for (int i = 0; i < R; ++i) {
          std::int32_t bits;  // 2 int16 or 4 int8 activations
          std::memcpy(&bits, xr[i] + b * kBlock + g * kPerStep, 4);
          const __m512i xb = _mm512_set1_epi32(bits);
          if constexpr (kInt8) {
            acc0[i] = _mm512_dpbusd_epi32(acc0[i], xb, w0);
            acc1[i] = _mm512_dpbusd_epi32(acc1[i], xb, w1);
          } else {
            acc0[i] = _mm512_dpwssd_epi32(acc0[i], w0, xb);
            acc1[i] = _mm512_dpwssd_epi32(acc1[i], w1, xb);
          }
        }
      }
      const __m512 d0 = _mm512_loadu_ps(ws + b * kQ8IntPanel);
      const __m512 d1 = _mm512_loadu_ps(ws + b * kQ8IntPanel + 16);
      for (int i = 0; i < R; ++i) {
        const __m512 s = _mm512_set1_ps(sr[i][b]);
        f0[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc0[i]), _mm512_mul_ps(d0, s), f0[i]);
        f1[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc1[i]), _mm512_mul_ps(d1, s), f1[i]);
      }
    }
    for (std::size_t i = 0; i < valid; ++i) {
      float* o = out + (r0 + i) * out_stride;
      _mm512_mask_storeu_ps(o, mask0, _mm512_add_ps(f0[i], bias0));
      _mm512_mask_storeu_ps(o + 16, mask1, _mm512_add_ps(f1[i], bias1));
    }
  }
}

#pragma GCC diagnostic pop

constexpr int kRowsAvx2 = 3;  // 3 rows x 2 x 8 channels per pass, two passes per panel

// kVnni = false: VPMADDWD + VPADDD (any AVX2 CPU). kVnni = true: AVX-VNNI's
// VEX-encoded VPDPWSSD, one instruction for the same exact int32 sum (CPUs
// with AVX-VNNI but no AVX-512: Intel since Alder Lake). Both instantiations
// are compiled with the avxvnni target because a template's target cannot
// depend on its parameter; the AVX2 one names no VNNI intrinsic, and GCC
// emits VPDPWSSD only from the intrinsic or from the vectorizer's dot-product
// idiom, which this code does not contain (checked in the disassembly: no
// vpdpwssd in gemm_avx2<false>).
template <bool kVnni>
__attribute__((target("avx2,fma,avxvnni")))
void gemm_avx2(const Q8Activations& a, std::size_t row_begin, std::size_t row_end, const std::uint8_t* panel,
               const float* bias, float* out, std::size_t out_stride, int ncols) {
  constexpr int R = kRowsAvx2;
  const int k = a.k, blocks = k / kBlock;
  const float* ws = panel_scales(panel, blocks, false);
  for (int half = 0; half * 16 < ncols; ++half) {
    const int c0 = half * 16;  // this pass: channels c0 .. c0 + 15
    for (std::size_t r0 = row_begin; r0 < row_end; r0 += R) {
      const std::size_t valid = std::min<std::size_t>(R, row_end - r0);
      const std::int16_t* xr[R];
      const float* sr[R];
      for (int i = 0; i < R; ++i) {
        const std::size_t r = r0 + std::min<std::size_t>(i, valid - 1);
        xr[i] = a.q.data() + r * k;
        sr[i] = a.scale.data() + r * blocks;
      }
      __m256 f0[R], f1[R];
      for (int i = 0; i < R; ++i) f0[i] = f1[i] = _mm256_setzero_ps();
      for (int b = 0; b < blocks; ++b) {
        __m256i acc0[R], acc1[R];
        for (int i = 0; i < R; ++i) acc0[i] = acc1[i] = _mm256_setzero_si256();
        const std::uint8_t* wb = panel + static_cast<std::size_t>(b) * block_bytes(false) + c0 * 4;
        for (int g = 0; g < kPairs; ++g) {
          const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 128));
          const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * 128 + 32));
          for (int i = 0; i < R; ++i) {
            const __m256i xb = _mm256_set1_epi32(load_pair(xr[i] + b * kBlock + g * 2));
            if constexpr (kVnni) {
              acc0[i] = _mm256_dpwssd_avx_epi32(acc0[i], w0, xb);
              acc1[i] = _mm256_dpwssd_avx_epi32(acc1[i], w1, xb);
            } else {
              acc0[i] = _mm256_add_epi32(acc0[i], _mm256_madd_epi16(w0, xb));
              acc1[i] = _mm256_add_epi32(acc1[i], _mm256_madd_epi16(w1, xb));
            }
          }
        }
        const __m256 d0 = _mm256_loadu_ps(ws + b * kQ8IntPanel + c0);
        const __m256 d1 = _mm256_loadu_ps(ws + b * kQ8IntPanel + c0 + 8);
        for (int i = 0; i < R; ++i) {
          const __m256 s = _mm256_set1_ps(sr[i][b]);
          f0[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc0[i]), _mm256_mul_ps(d0, s), f0[i]);
          f1[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc1[i]), _mm256_mul_ps(d1, s), f1[i]);
        }
      }
      const int n = std::min(16, ncols - c0);
      for (std::size_t i = 0; i < valid; ++i) {
        alignas(32) float row[16];
        _mm256_store_ps(row, _mm256_add_ps(f0[i], _mm256_loadu_ps(bias + c0)));
        _mm256_store_ps(row + 8, _mm256_add_ps(f1[i], _mm256_loadu_ps(bias + c0 + 8)));
        std::memcpy(out + (r0 + i) * out_stride + c0, row, sizeof(float) * n);
      }
    }
  }
}

bool cpu_has_avx512vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpu_has_avxvnni() { return cpu_has_avx2() && __builtin_cpu_supports("avxvnni"); }

#endif  // CAPPY_Q8_X86

}  // namespace

void Q8Activations::resize(std::size_t rows, int cols, bool as_int8) {
  k = cols;
  int8 = as_int8;
  const std::size_t blocks = rows * static_cast<std::size_t>(cols / kBlock);
  if (int8) {
    if (u8.size() < rows * cols) u8.resize(rows * cols);
    if (zero.size() < blocks) zero.resize(blocks);
  } else if (q.size() < rows * cols) {
    q.resize(rows * cols);
  }
  if (scale.size() < blocks) scale.resize(blocks);
}

CAPPY_MULTIVERSION
void quantize_rows(const float* x, std::size_t r0, std::size_t r1, Q8Activations& a) {
  const int k = a.k, blocks = k / kBlock;
  for (std::size_t r = r0; r < r1; ++r) {
    for (int b = 0; b < blocks; ++b) {
      const float* v = x + r * k + b * kBlock;
      if (a.int8) {
        float lo = 0.0f, hi = 0.0f;  // zero stays exactly representable
        for (int i = 0; i < kBlock; ++i) {
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
        }
        const float scale = (hi - lo) / kAct8Levels;
        const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
        const float zero = std::clamp(std::nearbyint(-lo * inv), 0.0f, kAct8Levels);
        a.scale[r * blocks + b] = scale;
        a.zero[r * blocks + b] = static_cast<std::int32_t>(zero);
        std::uint8_t* q = a.u8.data() + r * k + b * kBlock;
        for (int i = 0; i < kBlock; ++i)  // the clamp keeps a rounding overshoot in range
          q[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(v[i] * inv) + zero, 0.0f, kAct8Levels));
        continue;
      }
      float amax = 0.0f;
      for (int i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(v[i]));
      const float inv = amax > 0.0f ? kActMax / amax : 0.0f;
      a.scale[r * blocks + b] = amax / kActMax;
      std::int16_t* q = a.q.data() + r * k + b * kBlock;
      for (int i = 0; i < kBlock; ++i)  // the clamp keeps a rounding overshoot in range
        q[i] = static_cast<std::int16_t>(std::clamp(std::nearbyint(v[i] * inv), -kActMax, kActMax));
    }
  }
}

std::size_t q8_panel_bytes(Q8Kernel kernel, int k) {
  const std::size_t blocks = static_cast<std::size_t>(k / kBlock);
  const bool int8 = q8_kernel_int8(kernel);
  return blocks * block_bytes(int8) + blocks * kQ8IntPanel * (sizeof(float) + (int8 ? sizeof(std::int32_t) : 0));
}

void pack_q8_panel(Q8Kernel kernel, const std::uint8_t* const* rows, int count, int k,
                   std::uint8_t* panel) {
  const int blocks = k / kBlock;
  const bool int8 = q8_kernel_int8(kernel);
  float* scales = const_cast<float*>(panel_scales(panel, blocks, int8));
  if (int8) {
    std::int32_t* wsums = const_cast<std::int32_t*>(panel_wsums(panel, blocks));
    for (int j = 0; j < kQ8IntPanel; ++j)
      for (int b = 0; b < blocks; ++b) {
        std::uint8_t* dst = panel + static_cast<std::size_t>(b) * block_bytes(true) + j * 4;
        const std::uint8_t* block = j < count ? rows[j] + static_cast<std::size_t>(b) * kQ8BlockBytes : nullptr;
        std::uint16_t dh = 0;
        if (block) std::memcpy(&dh, block, 2);
        scales[b * kQ8IntPanel + j] = block ? half_to_float(dh) : 0.0f;
        std::int32_t sum = 0;
        for (int i = 0; i < kBlock; ++i) {  // a missing channel is w = 0
          const std::int8_t w = block ? static_cast<std::int8_t>(block[2 + i]) : 0;
          dst[(i / 4) * kQ8IntPanel * 4 + i % 4] = static_cast<std::uint8_t>(w);
          sum += w;
        }
        wsums[b * kQ8IntPanel + j] = -sum;
      }
    return;
  }
  for (int j = 0; j < kQ8IntPanel; ++j) {
    for (int b = 0; b < blocks; ++b) {
      std::int16_t* dst = reinterpret_cast<std::int16_t*>(panel + static_cast<std::size_t>(b) * block_bytes(false)) + j * 2;
      if (j >= count) {
        for (int g = 0; g < kPairs; ++g) dst[g * kQ8IntPanel * 2] = dst[g * kQ8IntPanel * 2 + 1] = 0;
        scales[b * kQ8IntPanel + j] = 0.0f;
        continue;
      }
      const std::uint8_t* block = rows[j] + static_cast<std::size_t>(b) * kQ8BlockBytes;
      std::uint16_t dh;
      std::memcpy(&dh, block, 2);
      scales[b * kQ8IntPanel + j] = half_to_float(dh);
      const std::int8_t* w = reinterpret_cast<const std::int8_t*>(block + 2);
      for (int g = 0; g < kPairs; ++g) {
        dst[g * kQ8IntPanel * 2] = w[2 * g];
        dst[g * kQ8IntPanel * 2 + 1] = w[2 * g + 1];
      }
    }
  }
}

void q8_panel_gemm(Q8Kernel kernel, const Q8Activations& a, std::size_t row_begin, std::size_t row_end,
                   const std::uint8_t* panel, const float* bias, float* out, std::size_t out_stride,
                   int ncols) {
  if (a.int8 != q8_kernel_int8(kernel))
    throw Error(std::string("q8 kernel ") + q8_kernel_name(kernel) + ": activations quantized to " +
                (a.int8 ? "int8" : "int16") + ", not what it takes");
  switch (kernel) {
#if CAPPY_Q8_X86
    case Q8Kernel::Avx512Vnni:
      return gemm_avx512vnni<false>(a, row_begin, row_end, panel, bias, out, out_stride, ncols);
    case Q8Kernel::Avx2:
      return gemm_avx2<false>(a, row_begin, row_end, panel, bias, out, out_stride, ncols);
    case Q8Kernel::AvxVnni:
      return gemm_avx2<true>(a, row_begin, row_end, panel, bias, out, out_stride, ncols);
    case Q8Kernel::Avx512VnniInt8:
      return gemm_avx512vnni<true>(a, row_begin, row_end, panel, bias, out, out_stride, ncols);
#endif
    case Q8Kernel::Reference:
    case Q8Kernel::ReferenceInt8:
      return gemm_reference(a, row_begin, row_end, panel, bias, out, out_stride, ncols);
    default:
      throw Error(std::string("q8 kernel ") + q8_kernel_name(kernel) + " is not an integer kernel of this build");
  }
}

const char* q8_kernel_name(Q8Kernel k) {
  switch (k) {
    case Q8Kernel::Portable: return "portable";
    case Q8Kernel::Reference: return "reference";
    case Q8Kernel::Avx2: return "avx2";
    case Q8Kernel::AvxVnni: return "avxvnni";
    case Q8Kernel::Avx512Vnni: return "avx512vnni";
    case Q8Kernel::ReferenceInt8: return "reference-int8";
    case Q8Kernel::Avx512VnniInt8: return "avx512vnni-int8";
  }
  return "?";
}

bool q8_kernel_int8(Q8Kernel k) { return k == Q8Kernel::ReferenceInt8 || k == Q8Kernel::Avx512VnniInt8; }

bool q8_kernel_supported(Q8Kernel k) {
  switch (k) {
    case Q8Kernel::Portable:
    case Q8Kernel::Reference:
    case Q8Kernel::ReferenceInt8:
      return true;
#if CAPPY_Q8_X86
    case Q8Kernel::Avx2: return cpu_has_avx2();
    case Q8Kernel::AvxVnni: return cpu_has_avxvnni();
    case Q8Kernel::Avx512Vnni:
    case Q8Kernel::Avx512VnniInt8: return cpu_has_avx512vnni();
#endif
    default:
      return false;
  }
}

Q8Kernel default_q8_kernel(std::string_view activations) {
  if (const auto chosen = kernel_from_env(
          "CAPPY_Q8_KERNEL",
          {Q8Kernel::Portable, Q8Kernel::Reference, Q8Kernel::Avx2, Q8Kernel::AvxVnni, Q8Kernel::Avx512Vnni,
           Q8Kernel::ReferenceInt8, Q8Kernel::Avx512VnniInt8},
          q8_kernel_name, q8_kernel_supported))
    return *chosen;
  const bool int16 = activations == "int16";
  for (Q8Kernel k : {int16 ? Q8Kernel::Avx512Vnni : Q8Kernel::Avx512VnniInt8, Q8Kernel::AvxVnni, Q8Kernel::Avx2})
    if (q8_kernel_supported(k)) return k;
  return Q8Kernel::Portable;
}

}  // namespace cappy::cpu
