// Function multiversioning for the vectorized CPU loops: on x86-64 each
// marked function is compiled for AVX-512, AVX2+FMA and the baseline, and the
// loader picks one for the CPU it runs on (as in kernels.cc). Elsewhere
// (WebAssembly, ARM) it is a plain function.
#pragma once

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__) && !defined(__clang__)
#define CAPPY_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CAPPY_MULTIVERSION
#endif
