#version 450
// Multi-head self-attention of each pair over its own packed rows (no
// padding, so no mask): the GLSL twin of core/kernels/wgsl/attention.wgsl.
// qkv rows are [q | k | v], "hidden" columns each; head h uses columns
// h*head_dim .. +head_dim of each. out rows are [hidden].
//
// Grid: (query tiles, heads, pairs). A workgroup takes QUERY_TILE queries of
// one head of one pair: their scaled scores against every key of the pair go
// to shared memory, each row becomes softmax weights (a group of threads per
// row), then the values are summed. The plan sets QUERY_TILE and MAX_KEYS
// (specialization constants 0 and 1) to fit shared memory.
#define THREADS 64u
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint QUERY_TILE = 8u;
layout(constant_id = 1) const uint MAX_KEYS = 64u;

layout(std430, set = 0, binding = 0) readonly buffer Qkv { float qkv[]; };
layout(std430, set = 0, binding = 1) readonly buffer Batch { int batch[]; };
layout(std430, set = 0, binding = 2) buffer Out { float out_[]; };
layout(push_constant) uniform Params {
  uint hidden;
  uint head_dim;
  uint offsets_at;
  float scale;
} params;

shared float scores[QUERY_TILE * MAX_KEYS];
shared float partial[THREADS];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint pair = gl_WorkGroupID.z;
  const uint head = gl_WorkGroupID.y;
  const uint start = uint(batch[params.offsets_at + pair]);
  const uint n = uint(batch[params.offsets_at + pair + 1u]) - start;
  const uint q0 = gl_WorkGroupID.x * QUERY_TILE;
  if (q0 >= n) return;  // this pair is shorter than the batch's longest
  const uint nq = min(QUERY_TILE, n - q0);
  const uint hidden = params.hidden;
  const uint hd = params.head_dim;
  const uint stride = 3u * hidden;
  const uint col = head * hd;

  // Scores: one (query, key) dot product per step.
  for (uint e = lid; e < nq * n; e += THREADS) {
    const uint qi = e / n;
    const uint j = e % n;
    const uint qa = (start + q0 + qi) * stride + col;
    const uint ka = (start + j) * stride + hidden + col;
    float dot_ = 0.0;
    for (uint c = 0u; c < hd; ++c) dot_ += qkv[qa + c] * qkv[ka + c];
    scores[qi * MAX_KEYS + j] = dot_ * params.scale;
  }
  barrier();

  // Softmax of each query's row: THREADS / QUERY_TILE threads share a row and
  // reduce its max and sum through "partial".
  const uint per_row = THREADS / QUERY_TILE;
  const uint row = lid / per_row;
  const uint lane = lid % per_row;
  const bool mine = row < nq;
  const uint s0 = row * MAX_KEYS;
  float m = -3.0e38;
  if (mine) {
    for (uint j = lane; j < n; j += per_row) m = max(m, scores[s0 + j]);
  }
  partial[lid] = m;
  barrier();
  if (mine) {
    for (uint i = 0u; i < per_row; ++i) m = max(m, partial[row * per_row + i]);
  }
  barrier();
  float sum = 0.0;
  if (mine) {
    for (uint j = lane; j < n; j += per_row) {
      const float p = exp(scores[s0 + j] - m);
      scores[s0 + j] = p;
      sum += p;
    }
  }
  partial[lid] = sum;
  barrier();
  if (mine) {
    float total = 0.0;
    for (uint i = 0u; i < per_row; ++i) total += partial[row * per_row + i];
    const float inv = 1.0 / total;
    for (uint j = lane; j < n; j += per_row) scores[s0 + j] *= inv;
  }
  barrier();

  // Context: weighted sum of the values, one (query, column) per step.
  for (uint e = lid; e < nq * hd; e += THREADS) {
    const uint qi = e / hd;
    const uint c = e % hd;
    const uint va = start * stride + 2u * hidden + col + c;
    float acc = 0.0;
    for (uint j = 0u; j < n; ++j) acc += scores[qi * MAX_KEYS + j] * qkv[va + j * stride];
    out_[(start + q0 + qi) * hidden + col + c] = acc;
  }
}
