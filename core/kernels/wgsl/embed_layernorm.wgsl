// out[t] = LayerNorm(word[ids[t]] + position[positions[t]] + token_type[type_ids[t]]).
// One workgroup of 64 threads per token row; each thread owns the columns
// lid, lid + 64, ... and the row's mean and variance are workgroup reductions
// (two passes, mean then centred variance, as the CPU reference does).
// The word table is bound as u32 words and read element by element:
// WORD_FORMAT 0: f32 bits; 1: IEEE halves; 2: GGML Q8_0 blocks (per 32
// values an f16 scale then 32 int8, 17 halfwords a block; cols a multiple of
// 32 so that rows are whole blocks).
struct Params {
  rows: u32,
  cols: u32,
  type_ids_at: u32,
  positions_at: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> batch: array<i32>;  // ids at 0
@group(0) @binding(1) var<storage, read> word: array<u32>;
@group(0) @binding(2) var<storage, read> position: array<f32>;
@group(0) @binding(3) var<storage, read> token_type: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

override WORD_FORMAT: u32 = 0u;

const THREADS: u32 = 64u;

fn word_half(h: u32) -> u32 {
  return (word[h / 2u] >> (16u * (h % 2u))) & 0xffffu;
}

// Element e of the word table.
fn word_value(e: u32) -> f32 {
  if (WORD_FORMAT == 1u) {
    return unpack2x16float(word_half(e)).x;
  }
  if (WORD_FORMAT == 2u) {
    let block = e / 32u;
    let d = unpack2x16float(word_half(17u * block)).x;
    let pair = word_half(17u * block + 1u + (e % 32u) / 2u);
    let q = i32(pair << (24u - 8u * (e % 2u))) >> 24u;  // the pair's low or high byte, signed
    return d * f32(q);
  }
  return bitcast<f32>(word[e]);
}
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
  let w0 = u32(batch[row]) * cols;
  let p0 = u32(batch[params.positions_at + row]) * cols;
  let t0 = u32(batch[params.type_ids_at + row]) * cols;
  let o0 = row * cols;
  var sum = 0.0;
  for (var c = lid; c < cols; c = c + THREADS) {
    let v = word_value(w0 + c) + position[p0 + c] + token_type[t0 + c];
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
