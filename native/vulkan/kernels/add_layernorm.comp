#version 450
#extension GL_GOOGLE_include_directive : require
// out = LayerNorm(a + b) row by row (the post-LN residual): the GLSL twin of
// core/kernels/wgsl/add_layernorm.wgsl. One workgroup of 64 threads per row;
// each thread owns columns lid, lid + 64, ...; two-pass mean and centred
// variance as in the CPU reference.
#ifdef SUBGROUP_REDUCE
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

#define THREADS 64u
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gamma { float gamma_[]; };
layout(std430, set = 0, binding = 3) readonly buffer Beta { float beta_[]; };
layout(std430, set = 0, binding = 4) buffer Out { float out_[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  float eps;
} params;

#include "workgroup_sum.glsl"

void main() {
  const uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= params.rows) return;  // uniform per workgroup: barriers stay uniform
  const uint lid = gl_LocalInvocationIndex;
  const uint cols = params.cols;
  const uint o0 = row * cols;
  float sum = 0.0;
  for (uint c = lid; c < cols; c += THREADS) {
    const float v = a[o0 + c] + b[o0 + c];
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
