#include "backend/plan/plan_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "backend/plan/wgsl_kernels.h"

namespace cappy::plan {

std::string plan_to_json(const Plan& plan, bool with_wgsl) {
  using nlohmann::json;
  json j;
  j["format"] = "cappy-plan";
  j["version"] = 1;
  j["model"] = {{"family", plan.spec.family == Family::Roberta ? "roberta" : "bert"},
                {"hidden", plan.spec.hidden_size},
                {"layers", plan.spec.num_layers},
                {"heads", plan.spec.num_heads},
                {"labels", plan.spec.num_labels}};
  j["shape"] = {{"tokens", plan.shape.tokens},
                {"pairs", plan.shape.pairs},
                {"max_pair_tokens", plan.shape.max_pair_tokens}};
  j["weights"] = plan.options.linear_weights == WeightFormat::F16    ? "f16"
                 : plan.options.linear_weights == WeightFormat::Q8_0 ? "q8_0"
                                                                     : "f32";

  std::uint64_t max_bytes = 0;
  json buffers = json::array();
  for (const Buffer& b : plan.buffers) {
    json e = {{"name", b.name}, {"role", role_name(b.role)}, {"dtype", dtype_name(b.dtype)},
              {"shape", b.shape}, {"bytes", b.bytes}};
    if (!b.parts.empty()) e["parts"] = b.parts;
    buffers.push_back(std::move(e));
    max_bytes = std::max(max_bytes, b.bytes);
  }
  j["buffers"] = std::move(buffers);
  j["input"] = {{"buffer", plan.input.buffer},
                {"ids_at", plan.input.ids_at},
                {"type_ids_at", plan.input.type_ids_at},
                {"positions_at", plan.input.positions_at},
                {"offsets_at", plan.input.offsets_at}};
  j["output"] = {{"buffer", plan.output.buffer}, {"rows", plan.output.rows}, {"cols", plan.output.cols}};

  std::uint64_t workgroup_bytes = 0;
  std::set<std::string> used;
  json dispatches = json::array();
  for (const Dispatch& d : plan.dispatches) {
    json params = json::array();
    for (const Param& p : d.params) {
      if (p.is_float)
        params.push_back({{"name", p.name}, {"type", "f32"}, {"value", p.f}});
      else
        params.push_back({{"name", p.name}, {"type", "u32"}, {"value", p.u}});
    }
    json constants = json::object();
    for (const Constant& c : d.constants) constants[c.name] = c.value;
    dispatches.push_back({{"kernel", d.kernel},
                          {"label", d.label},
                          {"bindings", d.bindings},
                          {"params", std::move(params)},
                          {"constants", std::move(constants)},
                          {"grid", d.grid}});
    used.insert(d.kernel);
    workgroup_bytes = std::max<std::uint64_t>(workgroup_bytes, workgroup_storage_bytes(d));
  }
  j["dispatches"] = std::move(dispatches);
  j["limits"] = {{"max_buffer_bytes", max_bytes}, {"workgroup_storage_bytes", workgroup_bytes}};
  if (with_wgsl) {
    json kernels = json::object();
    for (const auto& name : used) kernels[name] = wgsl_kernel_source(name);
    j["kernels"] = std::move(kernels);
  } else {
    j["kernels"] = used;
  }
  return j.dump();
}

}  // namespace cappy::plan
