#include "spirv_kernels.h"

#include <cstring>

// Written by glslangValidator --vn (native/vulkan/CMakeLists.txt).
#include "add_layernorm.spv.h"
#include "add_layernorm_subgroup.spv.h"
#include "attention.spv.h"
#include "embed_layernorm.spv.h"
#include "embed_layernorm_subgroup.spv.h"
#include "gather_first.spv.h"
#include "linear.spv.h"
#include "linear_half_storage.spv.h"

namespace cappy::vulkan {

namespace {

struct Entry {
  const char* kernel;
  Variant variant;
  SpirvCode code;
};

#define CAPPY_SPIRV(kernel, variant, array) {kernel, Variant::variant, {array, sizeof(array)}}
const Entry kKernels[] = {
    CAPPY_SPIRV("embed_layernorm", Plain, spv_embed_layernorm),
    CAPPY_SPIRV("embed_layernorm", Subgroup, spv_embed_layernorm_subgroup),
    CAPPY_SPIRV("add_layernorm", Plain, spv_add_layernorm),
    CAPPY_SPIRV("add_layernorm", Subgroup, spv_add_layernorm_subgroup),
    CAPPY_SPIRV("linear", Plain, spv_linear),
    CAPPY_SPIRV("linear", HalfStorage, spv_linear_half_storage),
    CAPPY_SPIRV("attention", Plain, spv_attention),
    CAPPY_SPIRV("gather_first", Plain, spv_gather_first),
};
#undef CAPPY_SPIRV

}  // namespace

SpirvCode spirv_kernel(const std::string& kernel, Variant variant) {
  for (const Entry& e : kKernels)
    if (kernel == e.kernel && variant == e.variant) return e.code;
  return {};
}

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::Plain: return "plain";
    case Variant::HalfStorage: return "16-bit storage";
    case Variant::Subgroup: return "subgroup";
  }
  return "?";
}

}  // namespace cappy::vulkan
