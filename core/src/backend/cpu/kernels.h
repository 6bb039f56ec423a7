// The CPU kernels of the op set besides the linear layers (XNNPACK's). Each
// works on a range of rows so callers can split work across threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cappy::cpu {

// out[r] = LayerNorm(in[r] (+ residual[r])) * gamma + beta, for rows [r0, r1).
// residual may be null. out may alias in.
void layer_norm_rows(const float* in, const float* residual, const float* gamma,
                     const float* beta, float eps, int cols, std::size_t r0, std::size_t r1,
                     float* out);

// Embedding sums for rows [r0, r1): out[t] = word[ids[t]] + pos[positions[t]] + type[types[t]].
void embed_rows(const float* word, const float* position, const float* token_type,
                const std::int32_t* ids, const std::int32_t* positions,
                const std::int32_t* types, int cols, std::size_t r0, std::size_t r1, float* out);

// x = x * Φ(x) with the exact erf form (absolute error of erf below 2e-7), in place.
void gelu_inplace(float* x, std::size_t n);
void tanh_inplace(float* x, std::size_t n);

// The error function and exp that gelu / softmax use, exposed for tests.
float erf_approx(float x);
void exp_inplace(float* x, std::size_t n);

}  // namespace cappy::cpu
