// y = act(x · Wᵀ + bias) over all rows of a packed batch.
// x [rows, in_features], W [out_features, in_features] (the checkpoint's
// layout), bias [out_features], y [rows, out_features].
// activation: 0 none, 1 GELU (exact, erf), 2 tanh.
//
// Tiling: a workgroup of 16x16 threads computes a 64x64 tile of y, each
// thread a 4x4 block; the reduction walks in-steps of 16 through workgroup
// memory. W is bound as u32 words and unpacked here, since devices without
// shader-f16 (SwiftShader, many browsers) cannot read f16 arrays:
//   WEIGHTS_FORMAT 0: f32 bits;
//   1: IEEE halves, two per word (in_features even);
//   2: GGML Q8_0 as bundles store it: per 32 weights of a row a 34-byte block,
//      an f16 scale d then 32 int8 q, weight = d * q (in_features a multiple
//      of 32). Blocks are 17 halfwords, so every scale and every int8 pair is
//      one aligned halfword.
struct Params {
  rows: u32,
  in_features: u32,
  out_features: u32,
  activation: u32,
}

override WEIGHTS_FORMAT: u32 = 0u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

const TILE_M: u32 = 64u;
const TILE_N: u32 = 64u;
const TILE_K: u32 = 16u;
const THREADS: u32 = 256u;

var<workgroup> xs: array<f32, 1024>;  // [TILE_K][TILE_M]
var<workgroup> ws: array<f32, 1024>;  // [TILE_K][TILE_N]

// erf as the CPU reference computes it: |x| < 1 the Maclaurin series of
// erf(x)/x in x² (no cancellation near 0); otherwise Abramowitz & Stegun
// 7.1.26 (|error| < 1.5e-7).
fn erf_approx(x: f32) -> f32 {
  let ax = abs(x);
  let x2 = x * x;
  if (ax < 1.0) {
    var p = 9.422759065e-11;
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
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  var q = 1.061405429;
  q = q * t - 1.453152027;
  q = q * t + 1.421413741;
  q = q * t - 0.284496736;
  q = q * t + 0.254829592;
  let e = 1.0 - q * t * exp(-x2);
  return select(e, -e, x < 0.0);
}

fn activate(v: f32) -> f32 {
  if (params.activation == 1u) {
    return 0.5 * v * (1.0 + erf_approx(v * 0.70710678118654752));
  }
  if (params.activation == 2u) {
    // tanh saturates long before ±15; clamping keeps exp-based tanh finite.
    return tanh(clamp(v, -15.0, 15.0));
  }
  return v;
}

// Halfword h of the weight buffer.
fn weight_half(h: u32) -> u32 {
  return (weight[h / 2u] >> (16u * (h % 2u))) & 0xffffu;
}

// Two int8 (low byte first) of a halfword, widened.
fn int8_pair(h: u32) -> vec2f {
  let v = vec2i(i32(h << 24u) >> 24u, i32(h << 16u) >> 24u);
  return vec2f(v);
}

// Weights k, k+1 of column n (k even).
fn weight_pair(n: u32, k: u32) -> vec2f {
  let k_in = params.in_features;
  let e = n * k_in + k;
  if (WEIGHTS_FORMAT == 1u) {
    return unpack2x16float(weight[e / 2u]);
  }
  // Q8_0: element e is byte e % 32 of block e / 32's values.
  let block = e / 32u;
  let d = unpack2x16float(weight_half(17u * block)).x;
  return d * int8_pair(weight_half(17u * block + 1u + (e % 32u) / 2u));
}

fn load_weight_tile(k0: u32, col0: u32, lid: u32) {
  let k_in = params.in_features;
  let n_out = params.out_features;
  if (WEIGHTS_FORMAT != 0u) {
    // 64 columns x 8 pairs (16 weights) per step: two pairs per thread.
    for (var i = 0u; i < 2u; i = i + 1u) {
      let e = lid + i * THREADS;
      let n = e / 8u;
      let kp = e % 8u;
      let k = k0 + 2u * kp;
      var v = vec2f(0.0, 0.0);
      if (col0 + n < n_out && k < k_in) {
        v = weight_pair(col0 + n, k);
      }
      ws[(2u * kp) * TILE_N + n] = v.x;
      ws[(2u * kp + 1u) * TILE_N + n] = v.y;
    }
  } else {
    for (var i = 0u; i < 4u; i = i + 1u) {
      let e = lid + i * THREADS;
      let n = e / TILE_K;
      let kk = e % TILE_K;
      let k = k0 + kk;
      var v = 0.0;
      if (col0 + n < n_out && k < k_in) {
        v = bitcast<f32>(weight[(col0 + n) * k_in + k]);
      }
      ws[kk * TILE_N + n] = v;
    }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) local: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let rows = params.rows;
  let k_in = params.in_features;
  let n_out = params.out_features;
  let row0 = wg.y * TILE_M;
  let col0 = wg.x * TILE_N;
  let tx = local.x;  // this thread's columns: col0 + 4tx .. +3
  let ty = local.y;  // this thread's rows: row0 + 4ty .. +3

  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < k_in; k0 = k0 + TILE_K) {
    for (var i = 0u; i < 4u; i = i + 1u) {
      let e = lid + i * THREADS;
      let m = e / TILE_K;
      let kk = e % TILE_K;
      let r = row0 + m;
      let k = k0 + kk;
      var v = 0.0;
      if (r < rows && k < k_in) {
        v = x[r * k_in + k];
      }
      xs[kk * TILE_M + m] = v;
    }
    load_weight_tile(k0, col0, lid);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk = kk + 1u) {
      let xa = kk * TILE_M + 4u * ty;
      let wb = kk * TILE_N + 4u * tx;
      let b = vec4f(ws[wb], ws[wb + 1u], ws[wb + 2u], ws[wb + 3u]);
      acc[0] = acc[0] + xs[xa] * b;
      acc[1] = acc[1] + xs[xa + 1u] * b;
      acc[2] = acc[2] + xs[xa + 2u] * b;
      acc[3] = acc[3] + xs[xa + 3u] * b;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i = i + 1u) {
    let r = row0 + 4u * ty + i;
    if (r >= rows) {
      break;
    }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let n = col0 + 4u * tx + j;
      if (n < n_out) {
        y[r * n_out + n] = activate(acc[i][j] + bias[n]);
      }
    }
  }
}
