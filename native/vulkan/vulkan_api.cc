#include "vulkan_api.h"

#include <dlfcn.h>

#include <mutex>

#include "cappy/cappy.h"

namespace cappy::vulkan {

namespace {

Api& global_api() {
  static Api api;
  return api;
}

}  // namespace

const Api& load_global() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    void* lib = ::dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = ::dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failure = "no Vulkan loader (libvulkan.so.1) on this machine: install the Vulkan loader "
                "(Debian: libvulkan1) and a driver for the GPU (mesa-vulkan-drivers, or the GPU "
                "vendor's)";
      return;
    }
    Api& api = global_api();
    api.vkGetInstanceProcAddr =
        reinterpret_cast<PFN_vkGetInstanceProcAddr>(::dlsym(lib, "vkGetInstanceProcAddr"));
    if (!api.vkGetInstanceProcAddr) {
      failure = "the Vulkan loader has no vkGetInstanceProcAddr";
      return;
    }
#define CAPPY_VK_LOAD(name) \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetInstanceProcAddr(nullptr, #name));
    CAPPY_VK_GLOBAL_FUNCTIONS(CAPPY_VK_LOAD)
#undef CAPPY_VK_LOAD
    if (!api.vkCreateInstance || !api.vkEnumerateInstanceLayerProperties)
      failure = "the Vulkan loader lacks vkCreateInstance";
  });
  if (!failure.empty()) throw Error("vulkan: " + failure);
  return global_api();
}

void load_instance(Api& api, VkInstance instance) {
#define CAPPY_VK_LOAD(name) \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetInstanceProcAddr(instance, #name));
  CAPPY_VK_INSTANCE_FUNCTIONS(CAPPY_VK_LOAD)
#undef CAPPY_VK_LOAD
#define CAPPY_VK_LOAD(name)                                                                 \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetInstanceProcAddr(instance, #name));     \
  if (!api.name) throw Error("vulkan: the Vulkan loader or driver lacks " #name " (Vulkan 1.1 is needed)");
  CAPPY_VK_DEVICE_FUNCTIONS(CAPPY_VK_LOAD)
  CAPPY_VK_LOAD(vkEnumeratePhysicalDevices)
  CAPPY_VK_LOAD(vkCreateDevice)
  CAPPY_VK_LOAD(vkGetPhysicalDeviceFeatures2)
  CAPPY_VK_LOAD(vkGetPhysicalDeviceProperties2)
#undef CAPPY_VK_LOAD
}

std::string result_name(VkResult r) {
  switch (r) {
#define CAPPY_VK_RESULT(x) \
  case x: return #x;
    CAPPY_VK_RESULT(VK_SUCCESS)
    CAPPY_VK_RESULT(VK_NOT_READY)
    CAPPY_VK_RESULT(VK_TIMEOUT)
    CAPPY_VK_RESULT(VK_INCOMPLETE)
    CAPPY_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    CAPPY_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    CAPPY_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    CAPPY_VK_RESULT(VK_ERROR_DEVICE_LOST)
    CAPPY_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    CAPPY_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    CAPPY_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    CAPPY_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    CAPPY_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    CAPPY_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    CAPPY_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    CAPPY_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    CAPPY_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    CAPPY_VK_RESULT(VK_ERROR_UNKNOWN)
#undef CAPPY_VK_RESULT
    default: return "VkResult " + std::to_string(static_cast<int>(r));
  }
}

void check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) throw Error(std::string("vulkan: ") + what + ": " + result_name(r));
}

}  // namespace cappy::vulkan
