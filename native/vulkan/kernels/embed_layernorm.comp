#version 450
#extension GL_GOOGLE_include_directive : require
// out[t] = LayerNorm(word[ids[t]] + position[positions[t]] + token_type[type_ids[t]]):
// the GLSL twin of core/kernels/wgsl/embed_layernorm.wgsl. One workgroup of
// 64 threads per token row; two-pass mean and centred variance.
// The word table is bound as u32 words and read element by element:
// WORD_FORMAT 0: f32 bits; 1: IEEE halves; 2: GGML Q8_0 blocks (per 32
// values an f16 scale then 32 int8, 17 halfwords a block).
#ifdef SUBGROUP_REDUCE
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

#define THREADS 64u
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint WORD_FORMAT = 0u;

layout(std430, set = 0, binding = 0) readonly buffer Batch { int batch[]; };  // ids at 0
layout(std430, set = 0, binding = 1) readonly buffer Word { uint word[]; };
layout(std430, set = 0, binding = 2) readonly buffer Position { float position[]; };
layout(std430, set = 0, binding = 3) readonly buffer TokenType { float token_type[]; };
layout(std430, set = 0, binding = 4) readonly buffer Gamma { float gamma_[]; };
layout(std430, set = 0, binding = 5) readonly buffer Beta { float beta_[]; };
layout(std430, set = 0, binding = 6) buffer Out { float out_[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  uint type_ids_at;
  uint positions_at;
  float eps;
} params;

#include "workgroup_sum.glsl"

uint word_half(uint h) { return (word[h / 2u] >> (16u * (h % 2u))) & 0xffffu; }

// Element e of the word table.
float word_value(uint e) {
  if (WORD_FORMAT == 1u) return unpackHalf2x16(word_half(e)).x;
  if (WORD_FORMAT == 2u) {
    const uint block = e / 32u;
    const float d = unpackHalf2x16(word_half(17u * block)).x;
    const uint pair = word_half(17u * block + 1u + (e % 32u) / 2u);
    const int q = int(pair << (24u - 8u * (e % 2u))) >> 24;  // the pair's low or high byte, signed
    return d * float(q);
  }
  return uintBitsToFloat(word[e]);
}

void main() {
  const uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= params.rows) return;
  const uint lid = gl_LocalInvocationIndex;
  const uint cols = params.cols;
  const uint w0 = uint(batch[row]) * cols;
  const uint p0 = uint(batch[params.positions_at + row]) * cols;
  const uint t0 = uint(batch[params.type_ids_at + row]) * cols;
  const uint o0 = row * cols;
  float sum = 0.0;
  for (uint c = lid; c < cols; c += THREADS) {
    const float v = word_value(w0 + c) + position[p0 + c] + token_type[t0 + c];
    out_[o0 + c] = v;
    sum += v;
  }
  const float mean = workgroup_sum(sum) / float(cols);
  float sq = 0.0;
  for (uint c = lid; c < cols; c += THREADS) {
    const float d = out_[o0 + c] - mean;
    sq += d * d;
  }
  const float inv = 1.0 / sqrt(workgroup_sum(sq) / float(cols) + params.eps);
  for (uint c = lid; c < cols; c += THREADS) {
    out_[o0 + c] = (out_[o0 + c] - mean) * inv * gamma_[c] + beta_[c];
  }
}
