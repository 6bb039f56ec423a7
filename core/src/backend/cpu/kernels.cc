#include "backend/cpu/kernels.h"

#include <cmath>
#include <cstring>

// The hot loops are plain C++ written for the vectorizer (omp simd with
// -fopenmp-simd); on x86-64 each is compiled for AVX-512, AVX2+FMA and the
// baseline, and the loader picks one for the CPU it runs on.
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define CAPPY_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CAPPY_MULTIVERSION
#endif

namespace cappy::cpu {

namespace {

// exp(x) for x <= 88: 2^n · p(r) with r = x − n·ln2 in [−ln2/2, ln2/2] and a
// degree-7 Taylor polynomial (relative error ~1e-8 before rounding). Inputs
// below −87 flush to about 1e-38, which softmax and erf treat as zero.
inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  float n = (x * 1.44269504f + kRound) - kRound;
  float r = x - n * 0.693145752f;  // ln2 split in two for an exact product
  r = r - n * 1.42860677e-6f;
  float p = 1.98412698e-4f;  // 1/7!
  p = p * r + 1.38888889e-3f;
  p = p * r + 8.33333333e-3f;
  p = p * r + 4.16666667e-2f;
  p = p * r + 1.66666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int bits = (static_cast<int>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

// erf in two pieces, both branch-free so the loops vectorize:
// |x| < 1: the Maclaurin series of erf(x)/x in x² (13 terms, truncation < 1e-9),
// which has no cancellation near 0;
// |x| >= 1: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), where erf is near ±1.
inline float erf_accurate(float x) {
  const float ax = x < 0 ? -x : x;
  const float x2 = x * x;
  float p = 9.422759065e-11f;
  p = p * x2 + -1.229055530e-09f;
  p = p * x2 + 1.480719282e-08f;
  p = p * x2 + -1.636584469e-07f;
  p = p * x2 + 1.646211437e-06f;
  p = p * x2 + -1.492565036e-05f;
  p = p * x2 + 1.205533298e-04f;
  p = p * x2 + -8.548327023e-04f;
  p = p * x2 + 5.223977625e-03f;
  p = p * x2 + -2.686617065e-02f;
  p = p * x2 + 1.128379167e-01f;
  p = p * x2 + -3.761263890e-01f;
  p = p * x2 + 1.128379167e+00f;
  const float small = x * p;
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  float y = 1.061405429f;
  y = y * t - 1.453152027f;
  y = y * t + 1.421413741f;
  y = y * t - 0.284496736f;
  y = y * t + 0.254829592f;
  y = 1.0f - y * t * fast_exp(-x2);
  const float large = x < 0 ? -y : y;
  return ax < 1.0f ? small : large;
}

}  // namespace

float erf_approx(float x) { return erf_accurate(x); }

CAPPY_MULTIVERSION
void exp_inplace(float* x, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) x[i] = fast_exp(x[i]);
}

CAPPY_MULTIVERSION
void gelu_inplace(float* x, std::size_t n) {
  const float kInvSqrt2 = 0.70710678118654752f;
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + erf_accurate(x[i] * kInvSqrt2));
}

void tanh_inplace(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}

CAPPY_MULTIVERSION
void layer_norm_rows(const float* in, const float* residual, const float* gamma,
                     const float* beta, float eps, int cols, std::size_t r0, std::size_t r1,
                     float* out) {
  for (std::size_t r = r0; r < r1; ++r) {
    const float* a = in + r * cols;
    float* o = out + r * cols;
    if (residual) {
      const float* b = residual + r * cols;
#pragma omp simd
      for (int c = 0; c < cols; ++c) o[c] = a[c] + b[c];
    } else if (o != a) {
      std::memcpy(o, a, sizeof(float) * cols);
    }
    // Two passes (mean, then centred variance) for accuracy with large means.
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < cols; ++c) sum += o[c];
    const float mean = sum / cols;
    float sq = 0;
#pragma omp simd reduction(+ : sq)
    for (int c = 0; c < cols; ++c) sq += (o[c] - mean) * (o[c] - mean);
    const float inv = 1.0f / std::sqrt(sq / cols + eps);
#pragma omp simd
    for (int c = 0; c < cols; ++c) o[c] = (o[c] - mean) * inv * gamma[c] + beta[c];
  }
}

CAPPY_MULTIVERSION
void embed_rows(const float* word, const float* position, const float* token_type,
                const std::int32_t* ids, const std::int32_t* positions,
                const std::int32_t* types, int cols, std::size_t r0, std::size_t r1, float* out) {
  for (std::size_t t = r0; t < r1; ++t) {
    const float* w = word + static_cast<std::size_t>(ids[t]) * cols;
    const float* p = position + static_cast<std::size_t>(positions[t]) * cols;
    const float* y = token_type + static_cast<std::size_t>(types[t]) * cols;
    float* o = out + t * cols;
#pragma omp simd
    for (int c = 0; c < cols; ++c) o[c] = w[c] + p[c] + y[c];
  }
}

}  // namespace cappy::cpu
