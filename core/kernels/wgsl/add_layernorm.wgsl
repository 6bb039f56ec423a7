// out = LayerNorm(a + b) row by row (the post-LN residual). One workgroup of
// 64 threads per row; each thread owns columns lid, lid + 64, ...; two-pass
// mean and centred variance as in the CPU reference.
struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

const THREADS: u32 = 64u;
var<workgroup> partial: array<f32, THREADS>;

// Sum over the workgroup: every thread adds the 64 partials itself (two
// barriers instead of a log-step tree's twelve, which matters on CPU
// implementations such as SwiftShader, where a barrier switches fibers).
fn workgroup_sum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < THREADS; i = i + 1u) {
    total = total + partial[i];
  }
  workgroupBarrier();  // before partial is written again
  return total;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wg.x + wg.y * nwg.x;
  if (row >= params.rows) {
    return;
  }
  let cols = params.cols;
  let o0 = row * cols;
  var sum = 0.0;
  for (var c = lid; c < cols; c = c + THREADS) {
    let v = a[o0 + c] + b[o0 + c];
    out[o0 + c] = v;
    sum = sum + v;
  }
  let mean = workgroup_sum(sum, lid) / f32(cols);
  var sq = 0.0;
  for (var c = lid; c < cols; c = c + THREADS) {
    let d = out[o0 + c] - mean;
    sq = sq + d * d;
  }
  let inv = 1.0 / sqrt(workgroup_sum(sq, lid) / f32(cols) + params.eps);
  for (var c = lid; c < cols; c = c + THREADS) {
    out[o0 + c] = (out[o0 + c] - mean) * inv * gamma[c] + beta[c];
  }
}
