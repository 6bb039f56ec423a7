#include "model/graph.h"

#include <algorithm>

namespace cappy {

int Graph::add_value(std::string name, Rows rows, int cols) {
  values.push_back({std::move(name), rows, cols});
  return static_cast<int>(values.size()) - 1;
}

BufferPlan plan_buffers(const Graph& graph) {
  const int n = static_cast<int>(graph.values.size());
  // Last op that reads each value; the graph output lives to the end.
  std::vector<int> last_use(n, -1);
  for (int i = 0; i < static_cast<int>(graph.ops.size()); ++i)
    for (int v : graph.ops[i].inputs) last_use[v] = i;
  last_use[graph.output] = static_cast<int>(graph.ops.size());

  BufferPlan plan;
  plan.slot_of.assign(n, -1);
  std::vector<int> slot_free_after;  // op index after which the slot is free
  for (int i = 0; i < static_cast<int>(graph.ops.size()); ++i) {
    const Op& op = graph.ops[i];
    const ValueInfo& v = graph.values[op.output];
    // An op must not write a buffer it reads, so a slot is reusable only if
    // its last reader ran before this op.
    int best = -1;
    for (int s = 0; s < static_cast<int>(plan.slots.size()); ++s) {
      if (slot_free_after[s] >= i || plan.slots[s].rows != v.rows) continue;
      // Prefer a slot already wide enough, then the widest.
      if (best < 0 || (plan.slots[s].cols >= v.cols) > (plan.slots[best].cols >= v.cols) ||
          ((plan.slots[s].cols >= v.cols) == (plan.slots[best].cols >= v.cols) &&
           plan.slots[s].cols > plan.slots[best].cols))
        best = s;
    }
    if (best < 0) {
      plan.slots.push_back({"buffer" + std::to_string(plan.slots.size()), v.rows, v.cols});
      slot_free_after.push_back(0);
      best = static_cast<int>(plan.slots.size()) - 1;
    }
    plan.slots[best].cols = std::max(plan.slots[best].cols, v.cols);
    slot_free_after[best] = last_use[op.output];
    plan.slot_of[op.output] = best;
  }
  return plan;
}

}  // namespace cappy
