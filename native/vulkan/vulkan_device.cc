#include "vulkan_device.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

#include "cappy/cappy.h"

namespace cappy::vulkan {

namespace {

std::atomic<int> g_validation_messages{0};
std::mutex g_last_message_mutex;
std::string g_last_message;

bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  if (severity < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) return VK_FALSE;
  const std::string text = data && data->pMessage ? data->pMessage : "(no text)";
  ++g_validation_messages;
  {
    std::lock_guard<std::mutex> lock(g_last_message_mutex);
    g_last_message = text;
  }
  std::cerr << "cappy: vulkan validation: " << text << "\n";
  return VK_FALSE;
}

bool has_layer(const Api& api, const char* name) {
  std::uint32_t n = 0;
  api.vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  api.vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

bool has_instance_extension(const Api& api, const char* layer, const char* name) {
  std::uint32_t n = 0;
  api.vkEnumerateInstanceExtensionProperties(layer, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  api.vkEnumerateInstanceExtensionProperties(layer, &n, exts.data());
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual-gpu";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string version_text(std::uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

// The first queue family with compute, or -1.
int compute_family(const Api& api, VkPhysicalDevice pd) {
  std::uint32_t n = 0;
  api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> families(n);
  api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, families.data());
  for (std::uint32_t i = 0; i < n; ++i)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return static_cast<int>(i);
  return -1;
}

// What the device offers of the optional features (before CAPPY_VULKAN_PLAIN).
Features query_features(const Api& api, VkPhysicalDevice pd) {
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &storage16};
  api.vkGetPhysicalDeviceFeatures2(pd, &features2);
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &subgroup};
  api.vkGetPhysicalDeviceProperties2(pd, &props2);
  Features f;
  f.half_storage = storage16.storageBuffer16BitAccess == VK_TRUE;
  f.subgroup_size = subgroup.subgroupSize;
  f.subgroup_arithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                          (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
                          (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
                          subgroup.subgroupSize >= 1;
  return f;
}

std::string features_text(const Features& f) {
  std::string s;
  s += f.half_storage ? "16-bit storage" : "no 16-bit storage";
  s += f.subgroup_arithmetic ? ", subgroup arithmetic (size " + std::to_string(f.subgroup_size) + ")"
                             : ", no subgroup arithmetic";
  return s;
}

}  // namespace

int validation_message_count() { return g_validation_messages.load(); }

std::string last_validation_message() {
  std::lock_guard<std::mutex> lock(g_last_message_mutex);
  return g_last_message;
}

std::shared_ptr<Instance> Instance::get() {
  static std::mutex mutex;
  static std::shared_ptr<Instance> instance;
  std::lock_guard<std::mutex> lock(mutex);
  if (!instance) instance.reset(new Instance());
  return instance;
}

Instance::Instance() : api_(load_global()) {
  const char* kValidation = "VK_LAYER_KHRONOS_validation";
  std::vector<const char*> layers, extensions;
  if (env_on("CAPPY_VULKAN_VALIDATION")) {
    if (has_layer(api_, kValidation)) {
      layers.push_back(kValidation);
      validation_ = true;
    } else {
      std::cerr << "cappy: CAPPY_VULKAN_VALIDATION is set but the validation layer is not "
                   "installed (Debian: vulkan-validationlayers); running without it\n";
    }
  }
  const bool debug_utils =
      validation_ && has_instance_extension(api_, kValidation, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  if (debug_utils) extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "cappy";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  const VkResult r = api_.vkCreateInstance(&info, nullptr, &instance_);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw Error("vulkan: no Vulkan driver (ICD) found, or none with Vulkan 1.1: install the GPU's "
                "Vulkan driver (or mesa-vulkan-drivers for lavapipe, a CPU implementation), or "
                "check VK_ICD_FILENAMES");
  check(r, "vkCreateInstance");
  try {
    load_instance(api_, instance_);
  } catch (...) {
    auto destroy = reinterpret_cast<PFN_vkDestroyInstance>(
        api_.vkGetInstanceProcAddr(instance_, "vkDestroyInstance"));
    if (destroy) destroy(instance_, nullptr);
    throw;
  }
  if (debug_utils && api_.vkCreateDebugUtilsMessengerEXT) {
    VkDebugUtilsMessengerCreateInfoEXT m{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    m.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    m.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                    VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    m.pfnUserCallback = on_validation_message;
    check(api_.vkCreateDebugUtilsMessengerEXT(instance_, &m, nullptr, &messenger_),
          "vkCreateDebugUtilsMessengerEXT");
  }
  std::uint32_t n = 0;
  check(api_.vkEnumeratePhysicalDevices(instance_, &n, nullptr), "vkEnumeratePhysicalDevices");
  physical_.resize(n);
  check(api_.vkEnumeratePhysicalDevices(instance_, &n, physical_.data()), "vkEnumeratePhysicalDevices");
  physical_.resize(n);
}

Instance::~Instance() {
  if (messenger_) api_.vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
  if (instance_) api_.vkDestroyInstance(instance_, nullptr);
}

std::vector<DeviceInfo> Instance::describe() const {
  std::vector<DeviceInfo> out;
  for (std::size_t i = 0; i < physical_.size(); ++i) {
    VkPhysicalDeviceProperties p{};
    api_.vkGetPhysicalDeviceProperties(physical_[i], &p);
    DeviceInfo d;
    d.backend = "vulkan";
    d.index = static_cast<int>(i);
    d.name = p.deviceName;
    d.type = type_name(p.deviceType);
    // A CPU implementation (lavapipe, SwiftShader) is not what "auto" should
    // pick over the CPU backend; it is there when asked for.
    d.is_gpu = p.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
    d.detail = "Vulkan " + version_text(p.apiVersion) + ", " +
               features_text(query_features(api_, physical_[i])) +
               ", largest binding " + std::to_string(p.limits.maxStorageBufferRange >> 20) + " MiB";
    if (p.apiVersion < VK_API_VERSION_1_1 || compute_family(api_, physical_[i]) < 0) {
      d.is_gpu = false;
      d.detail += " (unusable: needs Vulkan 1.1 and a compute queue)";
    }
    out.push_back(std::move(d));
  }
  return out;
}

Device::Device(std::shared_ptr<Instance> instance, int index) : instance_(std::move(instance)) {
  const Api& vk = api();
  const auto& devices = instance_->physical_devices();
  if (index < 0 || index >= static_cast<int>(devices.size()))
    throw Error("vulkan: no device " + std::to_string(index));
  physical_ = devices[index];
  vk.vkGetPhysicalDeviceProperties(physical_, &properties_);
  vk.vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
  name_ = properties_.deviceName;
  if (properties_.apiVersion < VK_API_VERSION_1_1)
    throw Error("vulkan: " + name_ + " supports Vulkan " + version_text(properties_.apiVersion) +
                "; the backend needs 1.1");
  const int family = compute_family(vk, physical_);
  if (family < 0) throw Error("vulkan: " + name_ + " has no compute queue");
  family_ = static_cast<std::uint32_t>(family);

  features_ = query_features(vk, physical_);
  if (env_on("CAPPY_VULKAN_PLAIN")) features_ = Features{};

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  q.queueFamilyIndex = family_;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  storage16.storageBuffer16BitAccess = features_.half_storage ? VK_TRUE : VK_FALSE;
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.pNext = &storage16;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &q;
  check(vk.vkCreateDevice(physical_, &info, nullptr, &device_), "vkCreateDevice");
  vk.vkGetDeviceQueue(device_, family_, 0, &queue_);
}

Device::~Device() {
  if (device_) api().vkDestroyDevice(device_, nullptr);
}

std::uint32_t Device::memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags required,
                                  VkMemoryPropertyFlags preferred) const {
  int fallback = -1;
  for (std::uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    const VkMemoryPropertyFlags f = memory_.memoryTypes[i].propertyFlags;
    if ((f & required) != required) continue;
    if ((f & preferred) == preferred) return i;
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  if (fallback < 0) throw Error("vulkan: " + name_ + " has no suitable memory type");
  return static_cast<std::uint32_t>(fallback);
}

}  // namespace cappy::vulkan
