// The Vulkan backend: registers "vulkan" with the core's backend registry
// (core/src/backend/backend_registry.h), so that LoadOptions::device =
// "vulkan" / "vulkan:N" / "auto" runs the Scorer on a Vulkan device.
#pragma once

#include <string>
#include <vector>

namespace cappy::vulkan {

// Call once at startup, before loading models.
void register_vulkan_backend();

// The kernels the backends of this process have used so far, with the
// weight format and SPIR-V variant ("linear f16: 16-bit storage",
// "linear q8_0: plain", "add_layernorm: subgroup", ...): for the tests.
std::vector<std::string> kernel_variants_used();

}  // namespace cappy::vulkan
