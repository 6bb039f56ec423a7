#version 450
// y = act(x · Wᵀ + bias) over all rows of a packed batch: the GLSL twin of
// core/kernels/wgsl/linear.wgsl. x [rows, in_features], W [out_features,
// in_features] (the checkpoint's layout), bias [out_features], y [rows,
// out_features]. activation: 0 none, 1 GELU (exact, erf), 2 tanh.
//
// Tiling: a workgroup of 16x16 threads computes a 64x64 tile of y, each
// thread a 4x4 block; the reduction walks in-steps of 16 through shared
// memory. WEIGHTS_FORMAT (specialization constant 0):
//   0: f32;
//   1: IEEE halves, two per word (in_features even). The HALF_STORAGE
//      variant, for devices with 16-bit storage buffers, binds them as
//      f16vec2 and lets the hardware convert; the plain one unpacks words;
//   2: GGML Q8_0 as bundles store it: per 32 weights of a row a 34-byte
//      block, an f16 scale d then 32 int8 q, weight = d * q (in_features a
//      multiple of 32). Blocks are 17 halfwords, so every scale and every
//      int8 pair is one aligned halfword.
#ifdef HALF_STORAGE
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#endif

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint WEIGHTS_FORMAT = 0u;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
#ifdef HALF_STORAGE
layout(std430, set = 0, binding = 1) readonly buffer W { f16vec2 weight_pairs[]; };
#else
layout(std430, set = 0, binding = 1) readonly buffer W { uint weight[]; };
#endif
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) buffer Y { float y[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint in_features;
  uint out_features;
  uint activation;
} params;

#define TILE_M 64u
#define TILE_N 64u
#define TILE_K 16u
#define THREADS 256u

shared float xs[TILE_K * TILE_M];
shared float ws[TILE_K * TILE_N];

// erf as the CPU reference computes it: |x| < 1 the Maclaurin series of
// erf(x)/x in x² (no cancellation near 0); otherwise Abramowitz & Stegun
// 7.1.26 (|error| < 1.5e-7).
float erf_approx(float x) {
  const float ax = abs(x);
  const float x2 = x * x;
  if (ax < 1.0) {
    float p = 9.422759065e-11;
    p = p * x2 + -1.229055530e-09;
    p = p * x2 + 1.480719282e-08;
    p = p * x2 + -1.636584469e-07;
    p = p * x2 + 1.646211437e-06;
    p = p * x2 + -1.492565036e-05;
    p = p * x2 + 1.205533298e-04;
    p = p * x2 + -8.548327023e-04;
    p = p * x2 + 5.223977625e-03;
    p = p * x2 + -2.686617065e-02;
    p = p * x2 + 1.128379167e-01;
    p = p * x2 + -3.761263890e-01;
    p = p * x2 + 1.128379167e+00;
    return x * p;
  }
  const float t = 1.0 / (1.0 + 0.3275911 * ax);
  float q = 1.061405429;
  q = q * t - 1.453152027;
  q = q * t + 1.421413741;
  q = q * t - 0.284496736;
  q = q * t + 0.254829592;
  const float e = 1.0 - q * t * exp(-x2);
  return x < 0.0 ? -e : e;
}

float activate(float v) {
  if (params.activation == 1u) return 0.5 * v * (1.0 + erf_approx(v * 0.70710678118654752));
  // tanh saturates long before ±15; clamping keeps exp-based tanh finite.
  if (params.activation == 2u) return tanh(clamp(v, -15.0, 15.0));
  return v;
}

#ifdef HALF_STORAGE
// Weights k, k+1 of column n (k even), f16 only.
vec2 weight_pair(uint n, uint k) {
  return vec2(weight_pairs[(n * params.in_features + k) / 2u]);
}
float weight_f32(uint e) { return 0.0; }  // never called: this variant is f16 only
#else
// Halfword h of the weight buffer.
uint weight_half(uint h) { return (weight[h / 2u] >> (16u * (h % 2u))) & 0xffffu; }

// Two int8 (low byte first) of a halfword, widened.
vec2 int8_pair(uint h) { return vec2(float(int(h << 24u) >> 24), float(int(h << 16u) >> 24)); }

// Weights k, k+1 of column n (k even).
vec2 weight_pair(uint n, uint k) {
  const uint e = n * params.in_features + k;
  if (WEIGHTS_FORMAT == 1u) return unpackHalf2x16(weight[e / 2u]);
  // Q8_0: element e is byte e % 32 of block e / 32's values.
  const uint block = e / 32u;
  const float d = unpackHalf2x16(weight_half(17u * block)).x;
  return d * int8_pair(weight_half(17u * block + 1u + (e % 32u) / 2u));
}
float weight_f32(uint e) { return uintBitsToFloat(weight[e]); }
#endif

void load_weight_tile(uint k0, uint col0, uint lid) {
  const uint k_in = params.in_features;
  const uint n_out = params.out_features;
  if (WEIGHTS_FORMAT != 0u) {
    // 64 columns x 8 pairs (16 weights) per step: two pairs per thread.
    for (uint i = 0u; i < 2u; ++i) {
      const uint e = lid + i * THREADS;
      const uint n = e / 8u;
      const uint kp = e % 8u;
      const uint k = k0 + 2u * kp;
      vec2 v = vec2(0.0);
      if (col0 + n < n_out && k < k_in) v = weight_pair(col0 + n, k);
      ws[(2u * kp) * TILE_N + n] = v.x;
      ws[(2u * kp + 1u) * TILE_N + n] = v.y;
    }
  } else {
    for (uint i = 0u; i < 4u; ++i) {
      const uint e = lid + i * THREADS;
      const uint n = e / TILE_K;
      const uint kk = e % TILE_K;
      const uint k = k0 + kk;
      float v = 0.0;
      if (col0 + n < n_out && k < k_in) v = weight_f32((col0 + n) * k_in + k);
      ws[kk * TILE_N + n] = v;
    }
  }
}

void main() {
  const uint rows = params.rows;
  const uint k_in = params.in_features;
  const uint n_out = params.out_features;
  const uint row0 = gl_WorkGroupID.y * TILE_M;
  const uint col0 = gl_WorkGroupID.x * TILE_N;
  const uint tx = gl_LocalInvocationID.x;  // this thread's columns: col0 + 4tx .. +3
  const uint ty = gl_LocalInvocationID.y;  // this thread's rows: row0 + 4ty .. +3
  const uint lid = gl_LocalInvocationIndex;

  vec4 acc[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0));
  for (uint k0 = 0u; k0 < k_in; k0 += TILE_K) {
    for (uint i = 0u; i < 4u; ++i) {
      const uint e = lid + i * THREADS;
      const uint m = e / TILE_K;
      const uint kk = e % TILE_K;
      const uint r = row0 + m;
      const uint k = k0 + kk;
      float v = 0.0;
      if (r < rows && k < k_in) v = x[r * k_in + k];
      xs[kk * TILE_M + m] = v;
    }
    load_weight_tile(k0, col0, lid);
    barrier();
    for (uint kk = 0u; kk < TILE_K; ++kk) {
      const uint xa = kk * TILE_M + 4u * ty;
      const uint wb = kk * TILE_N + 4u * tx;
      const vec4 b = vec4(ws[wb], ws[wb + 1u], ws[wb + 2u], ws[wb + 3u]);
      acc[0] += xs[xa] * b;
      acc[1] += xs[xa + 1u] * b;
      acc[2] += xs[xa + 2u] * b;
      acc[3] += xs[xa + 3u] * b;
    }
    barrier();
  }

  for (uint i = 0u; i < 4u; ++i) {
    const uint r = row0 + 4u * ty + i;
    if (r >= rows) break;
    for (uint j = 0u; j < 4u; ++j) {
      const uint n = col0 + 4u * tx + j;
      if (n < n_out) y[r * n_out + n] = activate(acc[i][j] + bias[n]);
    }
  }
}
