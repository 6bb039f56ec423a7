#include "backend/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backend/cpu/kernels.h"
#include "backend/cpu/multiversion.h"

namespace cappy::cpu {

namespace {

// 16 floats, one AVX-512 register (two AVX2 ones, four SIMD128 ones: the
// compiler splits the generic vector for the target it compiles for).
typedef float f32x16 __attribute__((vector_size(64)));
constexpr int kLanes = 16;
constexpr int kQueries = 4;         // query rows per block
constexpr int kKeys = 2 * kLanes;   // keys per score tile: 4 x 2 accumulators
constexpr int kValueVectors = 4;    // output columns per P·V tile: 4 x 4 accumulators

// The helpers are inlined into the multiversioned kernel, so their vectors are
// compiled for the same target as it; GCC still warns about the ABI of the
// (never emitted) out-of-line copies.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

__attribute__((always_inline)) inline f32x16 load(const float* p) {
  f32x16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store(float* p, f32x16 v) { std::memcpy(p, &v, sizeof v); }

// Turns row[0, n) into exp(row - max(row)) and returns 1 / their sum (the
// normalization is applied to the outputs, not to the n probabilities).
__attribute__((always_inline)) inline float softmax_unnormalized(float* row, int n) {
  const int full = n / kLanes * kLanes;
  float max = -INFINITY;
  if (full > 0) {
    f32x16 m = load(row);
    for (int j = kLanes; j < full; j += kLanes) {
      const f32x16 x = load(row + j);
      m = x > m ? x : m;
    }
    for (int l = 0; l < kLanes; ++l) max = std::max(max, m[l]);
  }
  for (int j = full; j < n; ++j) max = std::max(max, row[j]);
  for (int j = 0; j < full; j += kLanes) store(row + j, load(row + j) - max);
  for (int j = full; j < n; ++j) row[j] -= max;
  exp_inplace(row, static_cast<std::size_t>(n));
  f32x16 acc = {};
  for (int j = 0; j < full; j += kLanes) acc += load(row + j);
  float sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  for (int j = full; j < n; ++j) sum += row[j];
  return 1.0f / sum;
}

std::size_t padded_keys(int n) { return (static_cast<std::size_t>(n) + kKeys - 1) / kKeys * kKeys; }

// The head's K transposed into kt (head_dim rows of np keys, zero past n), so
// a score tile reads kLanes consecutive keys of one column with one load.
__attribute__((always_inline)) inline void transpose_keys(const float* k0, std::size_t stride, int n,
                                                          int head_dim, std::size_t np, float* kt) {
  for (int c = 0; c < head_dim; ++c) std::fill(kt + c * np + n, kt + (c + 1) * np, 0.f);
  for (int j = 0; j < n; ++j) {
    const float* k = k0 + j * stride;
    for (int c = 0; c < head_dim; ++c) kt[c * np + j] = k[c];
  }
}

// s[r][j] = scale · q_r · k_j for the block's rows and every key (np of them,
// the padding scoring 0). q[r] points at each row's query.
__attribute__((always_inline)) inline void score_block(const float* const* q, const float* kt,
                                                       std::size_t np, int head_dim, float scale,
                                                       float* s) {
  for (std::size_t j0 = 0; j0 < np; j0 += kKeys) {
    f32x16 acc[kQueries][2] = {};
    for (int c = 0; c < head_dim; ++c) {
      const f32x16 k_lo = load(kt + c * np + j0), k_hi = load(kt + c * np + j0 + kLanes);
      for (int r = 0; r < kQueries; ++r) {
        const float qc = q[r][c];
        acc[r][0] += qc * k_lo;
        acc[r][1] += qc * k_hi;
      }
    }
    for (int r = 0; r < kQueries; ++r) {
      store(s + r * np + j0, acc[r][0] * scale);
      store(s + r * np + j0 + kLanes, acc[r][1] * scale);
    }
  }
}

// o[r] = inv[r] · sum_j p[r][j] · v_j over the columns [c0, c0 + kLanes·kVectors).
template <int kVectors>
__attribute__((always_inline)) inline void weighted_values(const float* s, std::size_t np, int n,
                                                           const float* v0, std::size_t stride,
                                                           int c0, const float* inv, float* const* o) {
  f32x16 acc[kQueries][kVectors] = {};
  for (int j = 0; j < n; ++j) {
    const float* v = v0 + j * stride + c0;
    f32x16 vj[kVectors];
    for (int u = 0; u < kVectors; ++u) vj[u] = load(v + u * kLanes);
    for (int r = 0; r < kQueries; ++r) {
      const float p = s[r * np + j];
      for (int u = 0; u < kVectors; ++u) acc[r][u] += p * vj[u];
    }
  }
  for (int r = 0; r < kQueries; ++r)
    for (int u = 0; u < kVectors; ++u) store(o[r] + c0 + u * kLanes, acc[r][u] * inv[r]);
}

// One dot product per query-key pair: for head dims that are not a multiple
// of kLanes (no model in use has one; kept so any config still runs).
void attention_head_plain(const float* qkv, int n, int hidden, int head, int head_dim,
                          float* out, float* scratch) {
  const std::size_t stride = 3 * static_cast<std::size_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float* q0 = qkv + static_cast<std::size_t>(head) * head_dim;
  const float* k0 = q0 + hidden;
  const float* v0 = q0 + 2 * static_cast<std::size_t>(hidden);
  for (int i = 0; i < n; ++i) {
    const float* q = q0 + i * stride;
    float max = -INFINITY;
    for (int j = 0; j < n; ++j) {
      const float* k = k0 + j * stride;
      float dot = 0;
      for (int c = 0; c < head_dim; ++c) dot += q[c] * k[c];
      scratch[j] = dot * scale;
      max = std::max(max, scratch[j]);
    }
    for (int j = 0; j < n; ++j) scratch[j] -= max;
    exp_inplace(scratch, static_cast<std::size_t>(n));
    float sum = 0;
    for (int j = 0; j < n; ++j) sum += scratch[j];
    const float inv = 1.0f / sum;
    float* o = out + static_cast<std::size_t>(i) * hidden + static_cast<std::size_t>(head) * head_dim;
    std::fill(o, o + head_dim, 0.f);
    for (int j = 0; j < n; ++j) {
      const float* v = v0 + j * stride;
      const float pj = scratch[j] * inv;
      for (int c = 0; c < head_dim; ++c) o[c] += pj * v[c];
    }
  }
}

}  // namespace

std::size_t attention_scratch_floats(int n, int head_dim) {
  // Kᵀ, the block's scores, and one row that a short last block's extra rows write to.
  return padded_keys(n) * static_cast<std::size_t>(head_dim + kQueries) + static_cast<std::size_t>(head_dim);
}

CAPPY_MULTIVERSION
void attention_head(const float* qkv, int n, int hidden, int head, int head_dim, float* out,
                    float* scratch) {
  if (n <= 0) return;
  if (head_dim % kLanes != 0) return attention_head_plain(qkv, n, hidden, head, head_dim, out, scratch);
  const std::size_t stride = 3 * static_cast<std::size_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float* q0 = qkv + static_cast<std::size_t>(head) * head_dim;
  const float* k0 = q0 + hidden;
  const float* v0 = q0 + 2 * static_cast<std::size_t>(hidden);
  const std::size_t np = padded_keys(n);
  float* kt = scratch;                                        // head_dim x np
  float* s = kt + static_cast<std::size_t>(head_dim) * np;  // kQueries x np
  float* spare = s + kQueries * np;                          // head_dim
  transpose_keys(k0, stride, n, head_dim, np, kt);

  for (int i0 = 0; i0 < n; i0 += kQueries) {
    const int rows = std::min(kQueries, n - i0);
    // A short last block repeats its last query; those rows' outputs go to `spare`.
    const float* q[kQueries];
    float* o[kQueries];
    for (int r = 0; r < kQueries; ++r) {
      const int i = i0 + std::min(r, rows - 1);
      q[r] = q0 + i * stride;
      o[r] = r < rows ? out + static_cast<std::size_t>(i) * hidden + static_cast<std::size_t>(head) * head_dim
                      : spare;
    }
    score_block(q, kt, np, head_dim, scale, s);
    // Softmax of each row over the n real keys.
    float inv[kQueries];
    for (int r = 0; r < kQueries; ++r) inv[r] = softmax_unnormalized(s + r * np, n);
    int c0 = 0;
    for (; c0 + kLanes * kValueVectors <= head_dim; c0 += kLanes * kValueVectors)
      weighted_values<kValueVectors>(s, np, n, v0, stride, c0, inv, o);
    for (; c0 < head_dim; c0 += kLanes) weighted_values<1>(s, np, n, v0, stride, c0, inv, o);
  }
}

}  // namespace cappy::cpu
