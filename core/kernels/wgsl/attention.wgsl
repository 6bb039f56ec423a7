// Multi-head self-attention of each pair over its own packed rows (no
// padding, so no mask is needed: a pair's keys are exactly its rows).
// qkv rows are [q | k | v], "hidden" columns each; head h uses columns
// h*head_dim .. +head_dim of each. out rows are [hidden].
//
// Grid: (query tiles, heads, pairs). A workgroup takes QUERY_TILE queries of
// one head of one pair: it writes their scaled scores against every key of
// the pair into workgroup memory, turns each row into softmax weights (a
// group of threads per row), then sums the values. MAX_KEYS (the batch's longest pair, rounded up) sizes the
// score rows; the plan picks both constants to fit workgroup memory.
struct Params {
  hidden: u32,
  head_dim: u32,
  offsets_at: u32,
  scale: f32,
}

override QUERY_TILE: u32 = 8u;
override MAX_KEYS: u32 = 64u;

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> batch: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

const THREADS: u32 = 64u;
var<workgroup> scores: array<f32, QUERY_TILE * MAX_KEYS>;
var<workgroup> partial: array<f32, THREADS>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let pair = wg.z;
  let head = wg.y;
  let start = u32(batch[params.offsets_at + pair]);
  let n = u32(batch[params.offsets_at + pair + 1u]) - start;
  let q0 = wg.x * QUERY_TILE;
  if (q0 >= n) {
    return;  // this pair is shorter than the batch's longest
  }
  let nq = min(QUERY_TILE, n - q0);
  let hidden = params.hidden;
  let hd = params.head_dim;
  let stride = 3u * hidden;
  let col = head * hd;

  // Scores: one (query, key) dot product per step.
  for (var e = lid; e < nq * n; e = e + THREADS) {
    let qi = e / n;
    let j = e % n;
    let qa = (start + q0 + qi) * stride + col;
    let ka = (start + j) * stride + hidden + col;
    var dot = 0.0;
    for (var c = 0u; c < hd; c = c + 1u) {
      dot = dot + qkv[qa + c] * qkv[ka + c];
    }
    scores[qi * MAX_KEYS + j] = dot * params.scale;
  }
  workgroupBarrier();

  // Softmax of each query's row: the row's keys are shared by
  // THREADS / QUERY_TILE threads, which reduce max and sum through "partial".
  let per_row = THREADS / QUERY_TILE;
  let row = lid / per_row;
  let lane = lid % per_row;
  let mine = row < nq;
  let s0 = row * MAX_KEYS;
  var m = -3.0e38;
  if (mine) {
    for (var j = lane; j < n; j = j + per_row) {
      m = max(m, scores[s0 + j]);
    }
  }
  partial[lid] = m;
  workgroupBarrier();
  if (mine) {
    for (var i = 0u; i < per_row; i = i + 1u) {
      m = max(m, partial[row * per_row + i]);
    }
  }
  workgroupBarrier();
  var sum = 0.0;
  if (mine) {
    for (var j = lane; j < n; j = j + per_row) {
      let p = exp(scores[s0 + j] - m);
      scores[s0 + j] = p;
      sum = sum + p;
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  if (mine) {
    var total = 0.0;
    for (var i = 0u; i < per_row; i = i + 1u) {
      total = total + partial[row * per_row + i];
    }
    let inv = 1.0 / total;
    for (var j = lane; j < n; j = j + per_row) {
      scores[s0 + j] = scores[s0 + j] * inv;
    }
  }
  workgroupBarrier();

  // Context: weighted sum of the values, one (query, column) per step.
  for (var e = lid; e < nq * hd; e = e + THREADS) {
    let qi = e / hd;
    let c = e % hd;
    let va = start * stride + 2u * hidden + col + c;
    var acc = 0.0;
    for (var j = 0u; j < n; j = j + 1u) {
      acc = acc + scores[qi * MAX_KEYS + j] * qkv[va + j * stride];
    }
    out[(start + q0 + qi) * hidden + col + c] = acc;
  }
}
