// The SPIR-V of the GLSL kernels in kernels/, compiled by glslangValidator at
// build time and embedded. Each kernel of the plan (core/src/backend/plan/
// kernel_specs.h) has a plain variant that any Vulkan 1.1 device runs; some
// have variants for optional device features.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cappy::vulkan {

enum class Variant { Plain, HalfStorage, Subgroup };

struct SpirvCode {
  const std::uint32_t* words = nullptr;
  std::size_t size_bytes = 0;
};

// The kernel's code in that variant; {nullptr, 0} when it has no such variant.
SpirvCode spirv_kernel(const std::string& kernel, Variant variant);
const char* variant_name(Variant v);

}  // namespace cappy::vulkan
