// The GPU kernels a plan may name, and the interface each one has: its
// storage buffers (bindings 0..n-1 of group 0, in this order), the fields of
// its uniform `Params` struct (binding n; every field a 4-byte u32 or f32, in
// this order) and its pipeline-overridable constants. The WGSL sources in
// core/kernels/wgsl/ (and the Vulkan GLSL ones later) implement exactly these
// interfaces; tests/core/test_plan_kernels.cc checks that they do.
#pragma once

#include <string>
#include <vector>

namespace cappy::plan {

struct KernelSpec {
  std::string name;                   // file name stem; entry point `main`
  std::vector<std::string> bindings;  // storage buffers, in binding order
  std::vector<std::string> writes;    // those of `bindings` the kernel writes
  std::vector<std::string> params;    // Params fields, in order
  std::vector<std::string> constants; // `override` constants the plan sets
};

// Every kernel, by name.
const std::vector<KernelSpec>& kernel_specs();
// The kernel of that name, or nullptr.
const KernelSpec* find_kernel(const std::string& name);

// Workgroup geometry the planner sizes grids with; each kernel's WGSL
// @workgroup_size and tile constants must agree (checked by the tests).
inline constexpr unsigned kRowThreads = 64;     // layer norms: one workgroup per row
inline constexpr unsigned kLinearTileRows = 64;  // linear: output tile rows
inline constexpr unsigned kLinearTileCols = 64;  // linear: output tile columns
inline constexpr unsigned kLinearTileK = 16;     // linear: reduction step held in workgroup memory
inline constexpr unsigned kGatherThreads = 64;  // gather_first: columns per workgroup
inline constexpr unsigned kMaxGridDim = 65535;  // WebGPU's maxComputeWorkgroupsPerDimension floor
// The attention kernel keeps a query tile's scores in workgroup memory: at
// most this many floats (WebGPU guarantees 16 KiB of workgroup storage; the
// rest is left for the kernel's small arrays).
inline constexpr unsigned kAttentionScoreFloats = 3584;
inline constexpr unsigned kAttentionKeyStep = 32;  // MAX_KEYS is rounded up to this
inline constexpr unsigned kAttentionThreads = 64;  // its workgroup (and reduction array) size

}  // namespace cappy::plan
