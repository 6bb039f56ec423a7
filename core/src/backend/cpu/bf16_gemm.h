// BF16 linear layers with bf16 dot products (native x86-64 with AVX512_BF16):
// each input row is rounded to bf16 once per layer (round to nearest even),
// and VDPBF16PS multiplies pairs of bf16 activations by pairs of bf16 weights,
// accumulating in f32 (the products of two bf16 are exact in f32). The weights
// are used in place (BF16 from the mapped bundle): one panel of 32 output
// channels at a time is interleaved, in a per-thread scratch, into the order
// the instruction reads (no f32 copy of the weights, ever).
//
// What the activation rounding costs: a bf16 keeps 8 significant bits, so
// each input value moves by up to 2^-9 of itself, differently for each
// candidate, which reorders close candidates more often than the weights'
// rounding does (docs/accuracy.md measures both kernels). The widening kernel
// (linear_compact.cc: bf16 weights widened to f32 panels, f32 activations)
// avoids that error. Splitting each activation into two bf16 (hi + lo, two
// VDPBF16PS per weight pair) was tried: it scored like the widening kernel
// but ran no faster than it either, so it was not kept.
//
// Why own kernels, not oneDNN (Debian libdnnl-dev): a oneDNN bf16 matmul wants
// its weights reordered into its blocked layout, a second copy of every matrix
// held for the model's lifetime, where this kernel packs one 32-channel panel
// per thread from the mapped file; it would add a dependency the wasm build
// cannot use; and the q8 kernels beside it already settle the panel layout,
// threading and dispatch this one shares.
//
// Kernels, picked at run time from the CPU's features:
//   avx512bf16  VDPBF16PS: 16 channels x 2 products per instruction
//   reference   plain C++ on the same rounded activations and panel (tests)
//   widen       bf16 -> f32 panels, f32 activations (linear_compact.cc); the
//               only kernel of builds without x86-64 (WebAssembly, ARM) and
//               of CPUs without AVX512_BF16
// The environment variable CAPPY_BF16_KERNEL (widen, reference, avx512bf16)
// overrides the choice, for comparisons.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cappy::cpu {

enum class Bf16Kernel { Widen, Reference, Avx512Bf16 };

constexpr int kBf16Panel = 32;  // output channels per panel

const char* bf16_kernel_name(Bf16Kernel k);
// Compiled into this build and supported by this CPU.
bool bf16_kernel_supported(Bf16Kernel k);
// CAPPY_BF16_KERNEL when set (an unknown or unsupported name throws
// cappy::Error), else avx512bf16 where supported, else widen.
Bf16Kernel default_bf16_kernel();

// Input rows rounded to bf16, each padded with zeros to an even length k2
// (the instruction takes pairs).
struct Bf16Activations {
  int k = 0, k2 = 0;
  std::vector<std::uint16_t> x;  // [rows][k2]
  void resize(std::size_t rows, int k);
};

// Rounds rows [r0, r1) of x[rows][k] into `a` (already resized).
void round_rows_bf16(const float* x, std::size_t r0, std::size_t r1, Bf16Activations& a);

// Bytes of one packed panel for rows of k weights.
std::size_t bf16_panel_bytes(int k);

// Packs `count` (<= 32) output channels, rows[j] pointing to channel j's BF16
// row of k weights, into `panel`: [k2/2 pairs][32 channels][2 bf16]; missing
// channels and the padding of an odd k are zero.
void pack_bf16_panel(const std::uint8_t* const* rows, int count, int k, std::uint16_t* panel);

// out[r][j] = bias[j] + sum_k x[r][k] W[j][k] for rows [0, rows) of `a`, for
// the ncols (<= 32) channels of a packed panel; rows of out are out_stride
// floats apart. `bias` has 32 readable floats.
void bf16_panel_gemm(Bf16Kernel kernel, const Bf16Activations& a, std::size_t rows,
                     const std::uint16_t* panel, const float* bias, float* out,
                     std::size_t out_stride, int ncols);

}  // namespace cappy::cpu
