#version 450
// out[p] = x[offsets[p]]: the first token (<s> / [CLS]) of each pair, which
// the classification head reads. Grid: (column blocks of 64, pairs). The
// GLSL twin of core/kernels/wgsl/gather_first.wgsl.
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Batch { int batch[]; };
layout(std430, set = 0, binding = 2) buffer Out { float out_[]; };
layout(push_constant) uniform Params {
  uint pairs;
  uint cols;
  uint offsets_at;
} params;

void main() {
  const uint c = gl_GlobalInvocationID.x;
  const uint p = gl_GlobalInvocationID.y;
  if (c >= params.cols || p >= params.pairs) return;
  const uint first = uint(batch[params.offsets_at + p]);
  out_[p * params.cols + c] = x[first * params.cols + c];
}
