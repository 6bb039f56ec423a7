#include "vulkan_executor.h"

#include <algorithm>
#include <cstring>

#include "backend/plan/kernel_specs.h"
#include "cappy/cappy.h"
#include "weight_bytes.h"

namespace cappy::vulkan {

namespace {

constexpr std::uint64_t kStagingBytes = 64ull << 20;  // weight uploads go through this in chunks
constexpr std::uint64_t kFenceTimeoutNs = 600ull * 1000 * 1000 * 1000;  // a batch is never 10 minutes

std::string weight_key(const plan::Buffer& b) { return b.name + ":" + plan::dtype_name(b.dtype); }

std::string mib(std::uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

// The full memory barrier between two dispatches (the next may read what the
// previous wrote, or overwrite what it read).
void compute_barrier(const Api& vk, VkCommandBuffer cmd, VkPipelineStageFlags src_stage,
                     VkAccessFlags src, VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
  VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  m.srcAccessMask = src;
  m.dstAccessMask = dst;
  vk.vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &m, 0, nullptr, 0, nullptr);
}

}  // namespace

Executor::Executor(std::shared_ptr<Device> device) : device_(std::move(device)), vk_(device_->api()) {
  VkCommandPoolCreateInfo p{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  p.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  p.queueFamilyIndex = device_->queue_family();
  check(vk_.vkCreateCommandPool(device_->handle(), &p, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo a{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  a.commandPool = pool_;
  a.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  a.commandBufferCount = 1;
  check(vk_.vkAllocateCommandBuffers(device_->handle(), &a, &cmd_), "vkAllocateCommandBuffers");
  VkFenceCreateInfo f{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  check(vk_.vkCreateFence(device_->handle(), &f, nullptr, &fence_), "vkCreateFence");
}

Executor::~Executor() {
  VkDevice dev = device_->handle();
  for (auto& [k, p] : pipelines_) vk_.vkDestroyPipeline(dev, p, nullptr);
  for (auto& [k, m] : modules_) vk_.vkDestroyShaderModule(dev, m, nullptr);
  for (auto& [k, kern] : kernels_) {
    vk_.vkDestroyPipelineLayout(dev, kern.layout, nullptr);
    vk_.vkDestroyDescriptorSetLayout(dev, kern.set_layout, nullptr);
  }
  for (auto& [k, m] : weights_) destroy(m);
  for (auto& [k, m] : batch_) destroy(m);
  if (descriptors_) vk_.vkDestroyDescriptorPool(dev, descriptors_, nullptr);
  if (fence_) vk_.vkDestroyFence(dev, fence_, nullptr);
  if (pool_) vk_.vkDestroyCommandPool(dev, pool_, nullptr);
}

Executor::Memory Executor::create_buffer(std::uint64_t bytes, bool host_visible, const std::string& what) {
  VkDevice dev = device_->handle();
  Memory m;
  m.size = bytes;
  VkBufferCreateInfo b{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  b.size = bytes;
  b.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
            VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  b.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vk_.vkCreateBuffer(dev, &b, nullptr, &m.buffer), "vkCreateBuffer");
  VkMemoryRequirements req{};
  vk_.vkGetBufferMemoryRequirements(dev, m.buffer, &req);
  VkMemoryAllocateInfo a{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  a.allocationSize = req.size;
  try {
    a.memoryTypeIndex =
        host_visible ? device_->memory_type(req.memoryTypeBits,
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                            VK_MEMORY_PROPERTY_HOST_CACHED_BIT)
                     : device_->memory_type(req.memoryTypeBits, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    const VkResult r = vk_.vkAllocateMemory(dev, &a, nullptr, &m.memory);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw Error("vulkan: " + device_->name() + " is out of memory allocating " + mib(bytes) +
                  " for " + what);
    check(r, "vkAllocateMemory");
    check(vk_.vkBindBufferMemory(dev, m.buffer, m.memory, 0), "vkBindBufferMemory");
    if (host_visible) check(vk_.vkMapMemory(dev, m.memory, 0, VK_WHOLE_SIZE, 0, &m.mapped), "vkMapMemory");
  } catch (...) {
    destroy(m);
    throw;
  }
  return m;
}

void Executor::destroy(Memory& m) {
  VkDevice dev = device_->handle();
  if (m.mapped) vk_.vkUnmapMemory(dev, m.memory);
  if (m.buffer) vk_.vkDestroyBuffer(dev, m.buffer, nullptr);
  if (m.memory) vk_.vkFreeMemory(dev, m.memory, nullptr);
  m = Memory{};
}

Executor::Memory& Executor::batch_buffer(const std::string& key, std::uint64_t bytes, bool host_visible) {
  Memory& m = batch_[key];
  if (m.size < bytes) {
    destroy(m);
    m = create_buffer(bytes, host_visible, key);
  }
  return m;
}

void Executor::check_limits(const plan::Plan& plan) const {
  const VkPhysicalDeviceLimits& limits = device_->properties().limits;
  for (const plan::Buffer& b : plan.buffers)
    if (b.bytes > device_->max_binding_bytes())
      throw Error("vulkan: the plan's buffer " + b.name + " needs " + mib(b.bytes) + "; " +
                  device_->name() + " binds at most " + mib(device_->max_binding_bytes()) +
                  (b.role == plan::Role::Weight ? " (an f16 or q8 bundle, cappy convert --dtype, is smaller)"
                                                : " (use smaller batches)"));
  for (const plan::Dispatch& d : plan.dispatches) {
    if (plan::workgroup_storage_bytes(d) > limits.maxComputeSharedMemorySize)
      throw Error("vulkan: kernel " + d.kernel + " needs " + std::to_string(plan::workgroup_storage_bytes(d)) +
                  " bytes of shared memory; " + device_->name() + " has " +
                  std::to_string(limits.maxComputeSharedMemorySize));
    for (int i = 0; i < 3; ++i)
      if (d.grid[i] > limits.maxComputeWorkGroupCount[i])
        throw Error("vulkan: dispatch " + d.label + " needs " + std::to_string(d.grid[i]) +
                    " workgroups in dimension " + std::to_string(i) + "; " + device_->name() +
                    " allows " + std::to_string(limits.maxComputeWorkGroupCount[i]));
  }
}

void Executor::submit_and_wait(const char* what) {
  VkSubmitInfo s{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  s.commandBufferCount = 1;
  s.pCommandBuffers = &cmd_;
  check(vk_.vkResetFences(device_->handle(), 1, &fence_), "vkResetFences");
  check(vk_.vkQueueSubmit(device_->queue(), 1, &s, fence_), what);
  const VkResult r = vk_.vkWaitForFences(device_->handle(), 1, &fence_, VK_TRUE, kFenceTimeoutNs);
  if (r == VK_ERROR_DEVICE_LOST) throw Error("vulkan: " + device_->name() + " was lost during " + what);
  check(r, what);
}

void Executor::upload_weight(const plan::Buffer& b, const WeightStore& weights) {
  if (b.bytes > device_->max_binding_bytes()) return;  // check_limits names it
  std::vector<std::uint8_t> bytes(b.bytes);
  weight_bytes(b, weights, bytes.data());
  Memory dst = create_buffer(b.bytes, false, "weight " + b.name);
  try {
    Memory& staging = batch_buffer("staging", std::min<std::uint64_t>(kStagingBytes, b.bytes), true);
    for (std::uint64_t at = 0; at < b.bytes; at += staging.size) {
      const std::uint64_t n = std::min<std::uint64_t>(staging.size, b.bytes - at);
      std::memcpy(staging.mapped, bytes.data() + at, n);
      VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
      begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
      check(vk_.vkBeginCommandBuffer(cmd_, &begin), "vkBeginCommandBuffer");
      VkBufferCopy region{0, at, n};
      vk_.vkCmdCopyBuffer(cmd_, staging.buffer, dst.buffer, 1, &region);
      check(vk_.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
      submit_and_wait("the weight upload");
    }
  } catch (...) {
    destroy(dst);
    throw;
  }
  weights_[weight_key(b)] = dst;
}

void Executor::prepare(const plan::Plan& plan, const WeightStore& weights) {
  check_limits(plan);
  for (const plan::Buffer& b : plan.buffers)
    if (b.role == plan::Role::Weight && !weights_.count(weight_key(b))) upload_weight(b, weights);
  for (const plan::Dispatch& d : plan.dispatches) pipeline(d);
}

Variant Executor::variant_for(const plan::Dispatch& d) const {
  const Features& f = device_->features();
  if (d.kernel == "linear" && f.half_storage)
    for (const plan::Constant& c : d.constants)
      if (c.name == "WEIGHTS_FORMAT" && c.value == 1) return Variant::HalfStorage;
  if ((d.kernel == "add_layernorm" || d.kernel == "embed_layernorm") && f.subgroup_arithmetic)
    return Variant::Subgroup;
  return Variant::Plain;
}

const Executor::Kernel& Executor::kernel(const std::string& name) {
  auto it = kernels_.find(name);
  if (it != kernels_.end()) return it->second;
  const plan::KernelSpec* spec = plan::find_kernel(name);
  if (!spec) throw Error("vulkan: the plan names kernel '" + name + "', which has no specification");
  Kernel k;
  k.bindings = static_cast<std::uint32_t>(spec->bindings.size());
  k.push_bytes = static_cast<std::uint32_t>(4 * spec->params.size());
  std::vector<VkDescriptorSetLayoutBinding> bindings(k.bindings);
  for (std::uint32_t i = 0; i < k.bindings; ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo s{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  s.bindingCount = k.bindings;
  s.pBindings = bindings.data();
  check(vk_.vkCreateDescriptorSetLayout(device_->handle(), &s, nullptr, &k.set_layout),
        "vkCreateDescriptorSetLayout");
  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, k.push_bytes};
  VkPipelineLayoutCreateInfo l{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  l.setLayoutCount = 1;
  l.pSetLayouts = &k.set_layout;
  l.pushConstantRangeCount = k.push_bytes ? 1 : 0;
  l.pPushConstantRanges = &push;
  const VkResult r = vk_.vkCreatePipelineLayout(device_->handle(), &l, nullptr, &k.layout);
  if (r != VK_SUCCESS) vk_.vkDestroyDescriptorSetLayout(device_->handle(), k.set_layout, nullptr);
  check(r, "vkCreatePipelineLayout");
  return kernels_[name] = k;
}

VkPipeline Executor::pipeline(const plan::Dispatch& d) {
  const Variant variant = variant_for(d);
  std::string key = d.kernel + "/" + variant_name(variant);
  for (const plan::Constant& c : d.constants) key += "/" + c.name + "=" + std::to_string(c.value);
  auto it = pipelines_.find(key);
  if (it != pipelines_.end()) return it->second;

  const Kernel& k = kernel(d.kernel);
  const plan::KernelSpec& spec = *plan::find_kernel(d.kernel);
  if (d.bindings.size() != k.bindings || d.params.size() * 4 != k.push_bytes)
    throw Error("vulkan: dispatch " + d.label + " does not match kernel " + d.kernel + "'s interface");
  const std::string module_key = d.kernel + "/" + variant_name(variant);
  VkShaderModule& module = modules_[module_key];
  if (!module) {
    const SpirvCode code = spirv_kernel(d.kernel, variant);
    if (!code.words) throw Error("vulkan: no SPIR-V for kernel " + module_key);
    VkShaderModuleCreateInfo m{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    m.codeSize = code.size_bytes;
    m.pCode = code.words;
    check(vk_.vkCreateShaderModule(device_->handle(), &m, nullptr, &module), "vkCreateShaderModule");
  }
  // The plan's constants are the kernel's specialization constants, numbered
  // in the order of its specification.
  std::vector<VkSpecializationMapEntry> entries;
  std::vector<std::uint32_t> values;
  for (const plan::Constant& c : d.constants) {
    auto pos = std::find(spec.constants.begin(), spec.constants.end(), c.name);
    if (pos == spec.constants.end())
      throw Error("vulkan: kernel " + d.kernel + " has no constant " + c.name);
    const auto id = static_cast<std::uint32_t>(pos - spec.constants.begin());
    entries.push_back({id, static_cast<std::uint32_t>(4 * values.size()), 4});
    values.push_back(c.value);
  }
  VkSpecializationInfo spec_info{static_cast<std::uint32_t>(entries.size()), entries.data(),
                                 4 * values.size(), values.data()};
  VkComputePipelineCreateInfo p{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  p.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  p.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  p.stage.module = module;
  p.stage.pName = "main";
  p.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec_info;
  p.layout = k.layout;
  VkPipeline pipe = VK_NULL_HANDLE;
  check(vk_.vkCreateComputePipelines(device_->handle(), VK_NULL_HANDLE, 1, &p, nullptr, &pipe),
        "vkCreateComputePipelines");
  // Recorded as "linear q8_0: plain": the kernel, the weight format it
  // reads, the SPIR-V variant.
  std::string label = d.kernel;
  for (const plan::Constant& c : d.constants)
    if (c.name == "WEIGHTS_FORMAT" || c.name == "WORD_FORMAT")
      label += c.value == 1 ? " f16" : c.value == 2 ? " q8_0" : " f32";
  ++variants_used_[label + ": " + variant_name(variant)];
  return pipelines_[key] = pipe;
}

void Executor::ensure_descriptors(std::uint32_t sets, std::uint32_t descriptors) {
  VkDevice dev = device_->handle();
  if (descriptors_ && sets <= descriptor_sets_ && descriptors <= descriptor_count_) {
    check(vk_.vkResetDescriptorPool(dev, descriptors_, 0), "vkResetDescriptorPool");
    return;
  }
  if (descriptors_) vk_.vkDestroyDescriptorPool(dev, descriptors_, nullptr);
  descriptors_ = VK_NULL_HANDLE;
  descriptor_sets_ = std::max(sets, 2 * descriptor_sets_);
  descriptor_count_ = std::max(descriptors, 2 * descriptor_count_);
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptor_count_};
  VkDescriptorPoolCreateInfo p{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  p.maxSets = descriptor_sets_;
  p.poolSizeCount = 1;
  p.pPoolSizes = &size;
  check(vk_.vkCreateDescriptorPool(dev, &p, nullptr, &descriptors_), "vkCreateDescriptorPool");
}

void Executor::run(const plan::Plan& plan, const PackedBatch& batch, float* logits) {
  check_limits(plan);
  const plan::Shape shape = plan::shape_of(batch);
  if (shape.tokens != plan.shape.tokens || shape.pairs != plan.shape.pairs ||
      shape.max_pair_tokens > plan.shape.max_pair_tokens)
    throw Error("vulkan: the batch does not have the plan's shape");
  VkDevice dev = device_->handle();

  // Buffers: weights uploaded by prepare(), the rest sized for this batch.
  std::vector<VkBuffer> buffers(plan.buffers.size());
  for (std::size_t i = 0; i < plan.buffers.size(); ++i) {
    const plan::Buffer& b = plan.buffers[i];
    if (b.role == plan::Role::Weight) {
      auto it = weights_.find(weight_key(b));
      if (it == weights_.end()) throw Error("vulkan: weight " + b.name + " was not uploaded");
      buffers[i] = it->second.buffer;
    } else {
      buffers[i] = batch_buffer(std::string(plan::role_name(b.role)) + ":" + b.name, b.bytes).buffer;
    }
  }

  // The input (ids | type ids | positions | offsets), checked against the
  // embedding tables so that a bad id is an error, not an out-of-bounds read.
  const plan::Buffer& input = plan.buffers[plan.input.buffer];
  std::vector<std::int32_t> packed(input.bytes / 4, 0);
  std::int64_t table_rows[3] = {INT64_MAX, INT64_MAX, INT64_MAX};
  for (const plan::Dispatch& d : plan.dispatches)
    if (d.kernel == "embed_layernorm")
      for (int t = 0; t < 3; ++t) table_rows[t] = plan.buffers[d.bindings[1 + t]].shape[0];
  for (int t = 0; t < shape.tokens; ++t) {
    if (batch.ids[t] < 0 || batch.ids[t] >= table_rows[0] || batch.positions[t] < 0 ||
        batch.positions[t] >= table_rows[1] || batch.type_ids[t] < 0 || batch.type_ids[t] >= table_rows[2])
      throw Error("vulkan: token " + std::to_string(t) + " has an id, position or type outside the model's tables");
    packed[plan.input.ids_at + t] = batch.ids[t];
    packed[plan.input.type_ids_at + t] = batch.type_ids[t];
    packed[plan.input.positions_at + t] = batch.positions[t];
  }
  for (int p = 0; p <= shape.pairs; ++p) packed[plan.input.offsets_at + p] = batch.offsets[p];
  Memory& upload = batch_buffer("upload", input.bytes, true);
  std::memcpy(upload.mapped, packed.data(), input.bytes);
  const std::uint64_t out_bytes = 4ull * plan.output.rows * plan.output.cols;
  Memory& readback = batch_buffer("readback", std::max<std::uint64_t>(4, out_bytes), true);

  std::vector<VkPipeline> pipes;
  std::uint32_t descriptor_count = 0;
  for (const plan::Dispatch& d : plan.dispatches) {
    pipes.push_back(pipeline(d));
    descriptor_count += static_cast<std::uint32_t>(d.bindings.size());
  }
  const auto sets_needed = static_cast<std::uint32_t>(plan.dispatches.size());
  ensure_descriptors(sets_needed, descriptor_count);
  std::vector<VkDescriptorSetLayout> layouts;
  for (const plan::Dispatch& d : plan.dispatches) layouts.push_back(kernel(d.kernel).set_layout);
  std::vector<VkDescriptorSet> sets(plan.dispatches.size());
  VkDescriptorSetAllocateInfo a{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  a.descriptorPool = descriptors_;
  a.descriptorSetCount = sets_needed;
  a.pSetLayouts = layouts.data();
  check(vk_.vkAllocateDescriptorSets(dev, &a, sets.data()), "vkAllocateDescriptorSets");
  std::vector<VkDescriptorBufferInfo> infos;
  infos.reserve(descriptor_count);
  std::vector<VkWriteDescriptorSet> writes;
  for (std::size_t i = 0; i < plan.dispatches.size(); ++i) {
    const plan::Dispatch& d = plan.dispatches[i];
    for (std::size_t k = 0; k < d.bindings.size(); ++k) {
      infos.push_back({buffers[d.bindings[k]], 0, plan.buffers[d.bindings[k]].bytes});
      VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w.dstSet = sets[i];
      w.dstBinding = static_cast<std::uint32_t>(k);
      w.descriptorCount = 1;
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &infos.back();
      writes.push_back(w);
    }
  }
  vk_.vkUpdateDescriptorSets(dev, static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);

  // One command buffer: upload, every dispatch with a barrier after it, readback.
  check(vk_.vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vk_.vkBeginCommandBuffer(cmd_, &begin), "vkBeginCommandBuffer");
  VkBufferCopy in_region{0, 0, input.bytes};
  vk_.vkCmdCopyBuffer(cmd_, upload.buffer, buffers[plan.input.buffer], 1, &in_region);
  compute_barrier(vk_, cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
  std::uint32_t push[16];
  for (std::size_t i = 0; i < plan.dispatches.size(); ++i) {
    const plan::Dispatch& d = plan.dispatches[i];
    const Kernel& k = kernel(d.kernel);
    vk_.vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipes[i]);
    vk_.vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0, 1, &sets[i], 0, nullptr);
    if (d.params.size() > 16) throw Error("vulkan: dispatch " + d.label + " has too many params");
    for (std::size_t p = 0; p < d.params.size(); ++p) {
      if (d.params[p].is_float)
        std::memcpy(&push[p], &d.params[p].f, 4);
      else
        push[p] = d.params[p].u;
    }
    if (k.push_bytes) vk_.vkCmdPushConstants(cmd_, k.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, k.push_bytes, push);
    vk_.vkCmdDispatch(cmd_, d.grid[0], d.grid[1], d.grid[2]);
    const bool last = i + 1 == plan.dispatches.size();
    compute_barrier(vk_, cmd_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    last ? VK_PIPELINE_STAGE_TRANSFER_BIT : VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    last ? VK_ACCESS_TRANSFER_READ_BIT : VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  }
  VkBufferCopy out_region{0, 0, out_bytes};
  vk_.vkCmdCopyBuffer(cmd_, buffers[plan.output.buffer], readback.buffer, 1, &out_region);
  compute_barrier(vk_, cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                  VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  check(vk_.vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
  submit_and_wait("the batch");
  std::memcpy(logits, readback.mapped, out_bytes);
}

std::vector<std::string> Executor::variants_used() const {
  std::vector<std::string> out;
  for (const auto& [k, n] : variants_used_) out.push_back(k);
  return out;
}

}  // namespace cappy::vulkan
