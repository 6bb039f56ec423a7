// The Vulkan entry points the backend uses, loaded at run time from the
// loader (libvulkan.so.1) rather than linked, so that a cappy built with the
// backend starts on machines without Vulkan and says why it cannot use it.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

namespace cappy::vulkan {

#define CAPPY_VK_GLOBAL_FUNCTIONS(X) \
  X(vkCreateInstance)                \
  X(vkEnumerateInstanceLayerProperties) \
  X(vkEnumerateInstanceExtensionProperties) \
  X(vkEnumerateInstanceVersion)

#define CAPPY_VK_INSTANCE_FUNCTIONS(X)        \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceFeatures2)             \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkCreateDevice)                           \
  X(vkCreateDebugUtilsMessengerEXT)           \
  X(vkDestroyDebugUtilsMessengerEXT)

#define CAPPY_VK_DEVICE_FUNCTIONS(X)   \
  X(vkDestroyDevice)                   \
  X(vkGetDeviceQueue)                  \
  X(vkCreateBuffer)                    \
  X(vkDestroyBuffer)                   \
  X(vkGetBufferMemoryRequirements)     \
  X(vkAllocateMemory)                  \
  X(vkFreeMemory)                      \
  X(vkBindBufferMemory)                \
  X(vkMapMemory)                       \
  X(vkUnmapMemory)                     \
  X(vkCreateShaderModule)              \
  X(vkDestroyShaderModule)             \
  X(vkCreateDescriptorSetLayout)       \
  X(vkDestroyDescriptorSetLayout)      \
  X(vkCreatePipelineLayout)            \
  X(vkDestroyPipelineLayout)           \
  X(vkCreateComputePipelines)          \
  X(vkDestroyPipeline)                 \
  X(vkCreateDescriptorPool)            \
  X(vkDestroyDescriptorPool)           \
  X(vkResetDescriptorPool)             \
  X(vkAllocateDescriptorSets)          \
  X(vkUpdateDescriptorSets)            \
  X(vkCreateCommandPool)               \
  X(vkDestroyCommandPool)              \
  X(vkAllocateCommandBuffers)          \
  X(vkResetCommandBuffer)              \
  X(vkBeginCommandBuffer)              \
  X(vkEndCommandBuffer)                \
  X(vkCmdBindPipeline)                 \
  X(vkCmdBindDescriptorSets)           \
  X(vkCmdPushConstants)                \
  X(vkCmdDispatch)                     \
  X(vkCmdPipelineBarrier)              \
  X(vkCmdCopyBuffer)                   \
  X(vkCreateFence)                     \
  X(vkDestroyFence)                    \
  X(vkResetFences)                     \
  X(vkWaitForFences)                   \
  X(vkQueueSubmit)

// One table for the process's one instance: every function is resolved
// through vkGetInstanceProcAddr, so device functions are the loader's
// trampolines and serve every device of the instance.
struct Api {
#define CAPPY_VK_MEMBER(name) PFN_##name name = nullptr;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  CAPPY_VK_GLOBAL_FUNCTIONS(CAPPY_VK_MEMBER)
  CAPPY_VK_INSTANCE_FUNCTIONS(CAPPY_VK_MEMBER)
  CAPPY_VK_DEVICE_FUNCTIONS(CAPPY_VK_MEMBER)
#undef CAPPY_VK_MEMBER
};

// The loader's global functions; throws cappy::Error when there is no
// loader ("no Vulkan loader (libvulkan.so.1) ...").
const Api& load_global();
// Resolves the instance and device functions for `instance` (debug-utils
// ones stay null when the extension is off); throws cappy::Error if any
// other is missing.
void load_instance(Api& api, VkInstance instance);

// A VkResult as its name ("VK_ERROR_OUT_OF_DEVICE_MEMORY").
std::string result_name(VkResult r);
// Throws cappy::Error("vulkan: <what>: <result>") unless r is VK_SUCCESS.
void check(VkResult r, const char* what);

}  // namespace cappy::vulkan
