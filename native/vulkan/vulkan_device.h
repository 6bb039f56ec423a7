// The process's Vulkan instance (with the Khronos validation layer when
// CAPPY_VULKAN_VALIDATION=1 and the layer is installed), the devices it
// finds, and one opened device: a compute queue, its command pool and the
// optional features the kernels can use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend_registry.h"
#include "vulkan_api.h"

namespace cappy::vulkan {

class Instance {
 public:
  // The one instance, created on first use; throws cappy::Error when there
  // is no loader or no driver ("no Vulkan driver (ICD) found ...").
  static std::shared_ptr<Instance> get();
  ~Instance();

  const Api& api() const { return api_; }
  VkInstance handle() const { return instance_; }
  const std::vector<VkPhysicalDevice>& physical_devices() const { return physical_; }
  std::vector<DeviceInfo> describe() const;
  bool validation() const { return validation_; }

 private:
  Instance();
  Api api_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  std::vector<VkPhysicalDevice> physical_;
  bool validation_ = false;
};

// Validation-layer messages (warnings and errors) seen so far in this
// process, and the last one's text: tests fail on any.
int validation_message_count();
std::string last_validation_message();

// What the kernels may use beyond Vulkan 1.1's core (CAPPY_VULKAN_PLAIN=1
// turns every one off, so tests cover the plain path on any device).
struct Features {
  bool half_storage = false;       // storageBuffer16BitAccess: f16 weights read as f16
  bool subgroup_arithmetic = false;  // subgroupAdd in compute shaders: LayerNorm reductions
  std::uint32_t subgroup_size = 0;
};

class Device {
 public:
  // Opens physical device `index` of the instance.
  Device(std::shared_ptr<Instance> instance, int index);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const Api& api() const { return instance_->api(); }
  VkDevice handle() const { return device_; }
  VkQueue queue() const { return queue_; }
  std::uint32_t queue_family() const { return family_; }
  const VkPhysicalDeviceProperties& properties() const { return properties_; }
  const VkPhysicalDeviceMemoryProperties& memory() const { return memory_; }
  const Features& features() const { return features_; }
  const std::string& name() const { return name_; }
  // Largest storage buffer one binding may cover.
  std::uint64_t max_binding_bytes() const { return properties_.limits.maxStorageBufferRange; }

  // A memory type index with all of `required` (and `preferred` if there is
  // one that has it too) among `type_bits`; throws cappy::Error if none.
  std::uint32_t memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred = 0) const;

 private:
  std::shared_ptr<Instance> instance_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  std::uint32_t family_ = 0;
  VkPhysicalDeviceProperties properties_{};
  VkPhysicalDeviceMemoryProperties memory_{};
  Features features_;
  std::string name_;
};

}  // namespace cappy::vulkan
