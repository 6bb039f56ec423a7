// The plan as JSON, the form JavaScript executors (wasm/webgpu/) and tests
// read. Layout (version 1):
//   {format: "cappy-plan", version: 1,
//    model: {family, hidden, layers, heads, labels},
//    shape: {tokens, pairs, max_pair_tokens}, weights: "f32" | "f16" | "q8_0",
//    buffers: [{name, role: weight|input|activation, dtype: f32|f16|q8_0|i32, shape, parts?, bytes}],
//    input: {buffer, ids_at, type_ids_at, positions_at, offsets_at},   (i32 elements)
//    output: {buffer, rows, cols},
//    limits: {max_buffer_bytes, workgroup_storage_bytes},
//    dispatches: [{kernel, label, bindings: [buffer index...],
//                  params: [{name, type: u32|f32, value}], constants: {NAME: value},
//                  grid: [x, y, z]}],
//    kernels: [names used]  or, with sources, {name: WGSL source}}
#pragma once

#include <string>

#include "backend/plan/plan.h"

namespace cappy::plan {

// with_wgsl: `kernels` maps each used kernel to its embedded WGSL source, so
// a JS executor needs nothing but this text and the weights.
std::string plan_to_json(const Plan& plan, bool with_wgsl = false);

}  // namespace cappy::plan
