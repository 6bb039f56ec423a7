// The backend interface: something that runs the encoder graph on a packed
// batch. Backends implement the graph's small op set (see model/graph.h) and
// never know which model they run.
#pragma once

#include <memory>
#include <string>

#include "batch/packed_batch.h"
#include "model/graph.h"
#include "model/weight_store.h"

namespace cappy {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Writes [batch.pairs() x num_labels] logits. Not reentrant: callers
  // serialize runs (the Scorer does).
  virtual void run(const PackedBatch& batch, float* logits) = 0;
};

// The CPU backend: XNNPACK for the linear layers, own kernels for the rest.
// It copies or packs every weight it needs, so `weights` may be closed after.
// threads = 0: one per hardware thread.
std::unique_ptr<Backend> make_cpu_backend(const Graph& graph, const WeightStore& weights,
                                          int threads);

}  // namespace cappy
