// Q8_0 linear layers with integer dot products (native x86-64): the input rows
// are quantized on the fly, each block of 32 values of a row with its own
// scale, and every block's dot product with a weight block is an exact int32
// sum, scaled by (activation scale x weight scale) into an f32 accumulator.
// The weights are used in place (Q8_0 from the mapped bundle): one panel of 32
// output channels at a time is repacked, in a per-thread scratch, in the order
// the instructions read.
//
// Activations are int8 where the CPU has AVX-512 VNNI (VPDPBUSD: 4 products
// per lane, twice VPDPWSSD's rate; what makes q8 2.5x+ onnxruntime's f32) and
// int16 elsewhere. The int8 code is asymmetric: each block is mapped from
// [min(x, 0), max(x, 0)] onto 0..255 with a zero point, using all 256 levels
// where a symmetric amax / 127 code leaves half of them unused on a one-sided
// block (GELU outputs, offset LayerNorm channels). On nine trained cappy-minis
// it lowered the mean |score error| by 9-18% and the largest by up to 3x
// against the symmetric code, for one multiply-add per row and block, and it
// meets the q8 targets of docs/accuracy.md on them as often as int16 does. On
// random-weight models, whose candidates' scores are nearly tied, it reorders
// more of them than int16 (87% top-1 on the small fixture, int16 100%):
// CAPPY_Q8_KERNEL=avx512vnni keeps int16 (rounding 256x finer, scores equal
// to the f32-widening kernel's to ~1e-6) for such comparisons.
//
// Kernels, picked at run time from the CPU's features:
//   avx512vnni-int8  VPDPBUSD: 16 channels x 4 products per instruction; each
//                    block's int32 sum starts at -zero x (sum of the block's
//                    weights), one VPMADDWD
//   avx512vnni  VPDPWSSD: 16 channels x 2 products per instruction (int16)
//   avxvnni     VEX VPDPWSSD (AVX-VNNI without AVX-512), 8 channels x 2 products
//   avx2        VPMADDWD + VPADDD, 8 channels x 2 products
//   reference, reference-int8   plain C++ on the same quantized data (for tests)
// Builds without x86-64 (WebAssembly, ARM) use the f32 panel path of
// linear_compact.cc instead; the environment variable CAPPY_Q8_KERNEL
// (portable, reference, avx2, avxvnni, avx512vnni, ...) overrides the choice, for comparisons.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cappy::cpu {

enum class Q8Kernel { Portable, Reference, Avx2, AvxVnni, Avx512Vnni, ReferenceInt8, Avx512VnniInt8 };

// Whether the kernel takes int8 activations (and the unsigned int8 panel).
bool q8_kernel_int8(Q8Kernel k);

constexpr int kQ8IntPanel = 32;  // output channels per panel

const char* q8_kernel_name(Q8Kernel k);
// Compiled into this build and supported by this CPU.
bool q8_kernel_supported(Q8Kernel k);
// CAPPY_Q8_KERNEL when set (an unknown or unsupported name throws
// cappy::Error), else the fastest supported kernel (avx512vnni-int8,
// avxvnni, avx2), or the fastest int16 one (avx512vnni, avxvnni, avx2) when
// `activations` is "int16" (a bundle's recorded width,
// WeightStore::q8_activations); Portable where no integer kernel is compiled in.
Q8Kernel default_q8_kernel(std::string_view activations = {});

// Input rows quantized for the integer kernels: int16, or int8 when `int8`.
struct Q8Activations {
  int k = 0;
  bool int8 = false;
  std::vector<std::int16_t> q;   // [rows][k] (int16)
  std::vector<std::uint8_t> u8;  // [rows][k] (int8): q + zero, what VPDPBUSD takes unsigned
  std::vector<std::int32_t> zero;  // [rows][k / 32] (int8): the block's zero point, 0..255
  std::vector<float> scale;      // [rows][k / 32]: element = scale * q
  // The quantized value q of element i of the [rows][k] matrix.
  int value(std::size_t i) const {
    return int8 ? static_cast<int>(u8[i]) - zero[i / 32] : q[i];
  }
  void resize(std::size_t rows, int k, bool int8 = false);
};

// Quantizes rows [r0, r1) of x[rows][k] (k a multiple of 32) into `a`
// (already resized): per block of 32, int16: scale = amax / 32767,
// q = round(x / scale); int8: lo = min(x, 0), hi = max(x, 0),
// scale = (hi - lo) / 255, zero = round(-lo / scale), stored q + zero =
// round(x / scale) + zero in 0..255.
void quantize_rows(const float* x, std::size_t r0, std::size_t r1, Q8Activations& a);

// Bytes of one panel of rows of k weights packed for `kernel`.
std::size_t q8_panel_bytes(Q8Kernel kernel, int k);

// Packs `count` (<= 32) output channels, rows[j] pointing to channel j's Q8_0
// row of k weights, into `panel` in the layout of `kernel` (one for the int16
// kernels, one for the int8 ones); missing channels are zero.
void pack_q8_panel(Q8Kernel kernel, const std::uint8_t* const* rows, int count, int k,
                   std::uint8_t* panel);

// out[r][j] = bias[j] + sum_k x[r][k] W[j][k] for rows [row_begin, row_end)
// of `a`, for the ncols (<= 32) channels of a packed panel; `out` points to
// row 0's outputs, and rows are out_stride floats apart. `bias` has 32
// readable floats.
void q8_panel_gemm(Q8Kernel kernel, const Q8Activations& a, std::size_t row_begin, std::size_t row_end,
                   const std::uint8_t* panel, const float* bias, float* out, std::size_t out_stride,
                   int ncols);

}  // namespace cappy::cpu
