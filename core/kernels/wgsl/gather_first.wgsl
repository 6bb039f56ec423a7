// out[p] = x[offsets[p]]: the first token (<s> / [CLS]) of each pair, which
// the classification head reads. Grid: (column blocks of 64, pairs).
struct Params {
  pairs: u32,
  cols: u32,
  offsets_at: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> batch: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let p = gid.y;
  if (c >= params.cols || p >= params.pairs) {
    return;
  }
  let first = u32(batch[params.offsets_at + p]);
  out[p * params.cols + c] = x[first * params.cols + c];
}
