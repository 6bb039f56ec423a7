#include "vulkan_backend.h"

#include <mutex>
#include <set>

#include "backend/backend_registry.h"
#include "backend/plan/plan.h"
#include "vulkan_executor.h"

namespace cappy::vulkan {

namespace {

std::mutex g_variants_mutex;
std::set<std::string> g_variants;

// How the linear weights live on the device: as the checkpoint stores the
// first linear layer's matrix (f16/bf16 -> f16, Q8_0 -> Q8_0), so a bundle's
// compact weights stay compact and score what the CPU backend scores.
plan::WeightFormat weight_format(const Graph& graph, const WeightStore& weights) {
  for (const Op& op : graph.ops) {
    if (op.kind != OpKind::Linear) continue;
    const auto& tensors = weights.tensors();
    auto it = tensors.find(op.weights[0].parts[0]);
    if (it == tensors.end()) break;  // the upload names the missing tensor
    switch (it->second.dtype) {
      case DType::Q8_0: return plan::WeightFormat::Q8_0;
      case DType::F16:
      case DType::BF16: return plan::WeightFormat::F16;
      default: return plan::WeightFormat::F32;
    }
  }
  return plan::WeightFormat::F32;
}

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(const Graph& graph, const WeightStore& weights, int index)
      : graph_(graph), device_(std::make_shared<Device>(Instance::get(), index)), executor_(device_) {
    options_.linear_weights = weight_format(graph_, weights);
    // A one-token plan names every weight: upload them all now.
    executor_.prepare(plan::build_plan(graph_, {1, 1, 1}, options_), weights);
    record_variants();
  }

  std::string name() const override { return "vulkan: " + device_->name(); }

  void run(const PackedBatch& batch, float* logits) override {
    const plan::Plan p = plan::build_plan(graph_, plan::shape_of(batch), options_);
    executor_.run(p, batch, logits);
    record_variants();
  }

 private:
  void record_variants() {
    std::lock_guard<std::mutex> lock(g_variants_mutex);
    for (const std::string& v : executor_.variants_used()) g_variants.insert(v);
  }

  Graph graph_;
  plan::Options options_;
  std::shared_ptr<Device> device_;
  Executor executor_;
};

}  // namespace

void register_vulkan_backend() {
  BackendFactory f;
  f.name = "vulkan";
  f.devices = [] { return Instance::get()->describe(); };
  f.create = [](const Graph& graph, const WeightStore& weights, int index, const LoadOptions&) {
    return std::unique_ptr<Backend>(new VulkanBackend(graph, weights, index));
  };
  register_backend(std::move(f));
}

std::vector<std::string> kernel_variants_used() {
  std::lock_guard<std::mutex> lock(g_variants_mutex);
  return {g_variants.begin(), g_variants.end()};
}

}  // namespace cappy::vulkan
