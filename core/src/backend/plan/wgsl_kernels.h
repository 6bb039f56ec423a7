// The WGSL sources of core/kernels/wgsl/, embedded at build time
// (core/kernels/wgsl/embed_wgsl.cmake also writes them as a JS module,
// <build>/generated/wgsl_kernels.mjs, for the WebGPU executor).
#pragma once

#include <map>
#include <string>

namespace cappy::plan {

// Kernel name (file stem) -> WGSL source.
const std::map<std::string, std::string>& wgsl_kernels();
// One source; throws cappy::Error for a name with no .wgsl file.
const std::string& wgsl_kernel_source(const std::string& name);

}  // namespace cappy::plan
