// Instruction throughput of the multiply-add instructions the CPU kernels
// can use, on one thread: 12 independent accumulator chains per instruction,
// timed one instruction kind after another, three times. What docs/benchmarks.md
// cites when it compares int16 (VPDPWSSD), int8 (VPDPBUSD) and bf16
// (VDPBF16PS) dot products with f32 FMA. Needs AVX-512 VNNI and AVX512_BF16.
//   g++ -O2 -std=c++20 tools/bench/isa_throughput.cc -o /tmp/isa_throughput && /tmp/isa_throughput
#include <immintrin.h>

#include <chrono>
#include <cstdio>

namespace {

constexpr int kChains = 12;
constexpr long kIters = 20000000;

template <class F>
double seconds(F f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The empty asm keeps each chain in a register and the loop from being folded.
#define CHAINS(type, init, step)                                   \
  type acc[kChains];                                               \
  for (int i = 0; i < kChains; ++i) acc[i] = init;                 \
  for (long n = 0; n < kIters; ++n)                                \
    _Pragma("GCC unroll 12") for (int i = 0; i < kChains; ++i) {   \
      acc[i] = step;                                               \
      __asm__ volatile("" : "+v"(acc[i]));                         \
    }                                                              \
  type sum = acc[0];                                               \
  for (int i = 1; i < kChains; ++i) __asm__ volatile("" : "+v"(sum) : "v"(acc[i]));

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni,avx512bf16"), noinline))

TARGET void fma_f32() {
  const __m512 b = _mm512_set1_ps(0.5f), c = _mm512_set1_ps(0.25f);
  CHAINS(__m512, _mm512_set1_ps(0.5f), _mm512_fmadd_ps(acc[i], b, c))
}
TARGET void dpwssd() {
  const __m512i b = _mm512_set1_epi32(3), c = _mm512_set1_epi32(5);
  CHAINS(__m512i, _mm512_set1_epi32(1), _mm512_dpwssd_epi32(acc[i], b, c))
}
TARGET void dpbusd() {
  const __m512i b = _mm512_set1_epi32(3), c = _mm512_set1_epi32(5);
  CHAINS(__m512i, _mm512_set1_epi32(1), _mm512_dpbusd_epi32(acc[i], b, c))
}
TARGET void dpbf16() {
  const __m512bh b = (__m512bh)_mm512_set1_epi32(0x3f803f80);
  CHAINS(__m512, _mm512_set1_ps(0.5f), _mm512_dpbf16_ps(acc[i], b, b))
}

}  // namespace

int main() {
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bf16")) {
    std::fprintf(stderr, "this CPU lacks AVX-512 VNNI or AVX512_BF16\n");
    return 1;
  }
  const double n = double(kChains) * kIters;
  std::printf("%-28s %8s %8s %8s %8s\n", "G instructions/s (1 thread)", "fma f32", "dpwssd", "dpbusd", "dpbf16");
  for (int rep = 0; rep < 3; ++rep) {
    const double f = seconds(fma_f32), w = seconds(dpwssd), b = seconds(dpbusd), h = seconds(dpbf16);
    std::printf("%-28s %8.2f %8.2f %8.2f %8.2f\n", "", n / f / 1e9, n / w / 1e9, n / b / 1e9, n / h / 1e9);
    std::printf("%-28s %8.0f %8.0f %8.0f %8.0f\n", "  G multiply-adds/s", 16 * n / f / 1e9, 32 * n / w / 1e9,
                64 * n / b / 1e9, 32 * n / h / 1e9);
  }
}
