// The Vulkan executor: runs a dispatch plan of the core (core/src/backend/
// plan/) on one device, the native twin of wasm/webgpu/executor.mjs. It is
// thin on purpose: it allocates the buffers the plan names, builds the
// pipelines of the kernels it names (SPIR-V variants chosen by what the
// device offers) and records the dispatches in order, a barrier between
// each. Weights are uploaded once (by buffer name); activation buffers grow
// as needed and are reused; a batch is one submission with one readback.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/plan/plan.h"
#include "batch/packed_batch.h"
#include "model/weight_store.h"
#include "spirv_kernels.h"
#include "vulkan_device.h"

namespace cappy::vulkan {

class Executor {
 public:
  explicit Executor(std::shared_ptr<Device> device);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Uploads the plan's weights not uploaded yet and builds its pipelines, so
  // the first run is not slower; `weights` is not needed after.
  void prepare(const plan::Plan& plan, const WeightStore& weights);
  // Runs the plan on the batch; writes output.rows x output.cols floats.
  // Every weight must have been prepared.
  void run(const plan::Plan& plan, const PackedBatch& batch, float* logits);

  // The kernels used so far with their weight format and SPIR-V variant
  // ("linear f16: 16-bit storage", "add_layernorm: subgroup", ...).
  std::vector<std::string> variants_used() const;

 private:
  struct Memory {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    std::uint64_t size = 0;
    void* mapped = nullptr;  // host-visible buffers only
  };
  struct Kernel {
    VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    std::uint32_t bindings = 0;
    std::uint32_t push_bytes = 0;
  };

  Memory create_buffer(std::uint64_t bytes, bool host_visible, const std::string& what);
  void destroy(Memory& m);
  Memory& batch_buffer(const std::string& key, std::uint64_t bytes, bool host_visible = false);
  void check_limits(const plan::Plan& plan) const;
  void upload_weight(const plan::Buffer& b, const WeightStore& weights);
  Variant variant_for(const plan::Dispatch& d) const;
  const Kernel& kernel(const std::string& name);
  VkPipeline pipeline(const plan::Dispatch& d);
  void ensure_descriptors(std::uint32_t sets, std::uint32_t descriptors);
  void submit_and_wait(const char* what);

  std::shared_ptr<Device> device_;
  const Api& vk_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptors_ = VK_NULL_HANDLE;
  std::uint32_t descriptor_sets_ = 0, descriptor_count_ = 0;
  std::map<std::string, Memory> weights_;  // by plan buffer name and dtype
  std::map<std::string, Memory> batch_;    // activations, input, staging (grow-only)
  std::map<std::string, Kernel> kernels_;
  std::map<std::string, VkShaderModule> modules_;  // by kernel and variant
  std::map<std::string, VkPipeline> pipelines_;    // by kernel, variant and constants
  std::map<std::string, int> variants_used_;
};

}  // namespace cappy::vulkan
