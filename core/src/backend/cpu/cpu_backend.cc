// The CPU backend: interprets the encoder graph over packed batches.
// Linear layers go to XNNPACK (native) or the portable GEMM (WebAssembly);
// everything else to the kernels in kernels.cc.
#include <algorithm>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu/attention.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/linear_compact.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/f32_linear.h"
#include "cappy/cappy.h"

namespace cappy {

namespace {

using cpu::ThreadPool;
using cpu::F32Linear;

// XNNPACK may read up to 16 bytes past an input; every buffer gets this slack.
constexpr std::size_t kSlackFloats = 16;

// A weight (possibly several checkpoint tensors concatenated along dim 0) as f32.
std::vector<float> load_weight(const WeightStore& store, const WeightRef& ref) {
  std::vector<std::int64_t> part_shape = ref.shape;
  part_shape[0] /= static_cast<std::int64_t>(ref.parts.size());
  std::vector<float> out;
  for (const auto& name : ref.parts) {
    std::vector<float> part = store.get_f32(name, part_shape);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

struct PreparedOp {
  const Op* op = nullptr;
  std::unique_ptr<F32Linear> linear;   // Linear
  std::unique_ptr<cpu::CompactLinear> compact;  // Linear with F16/Q8_0 weights, used in place
  std::unique_ptr<cpu::CompactRows> word_rows;  // EmbedLayerNorm with an F16/Q8_0 word table
  std::vector<std::vector<float>> w;   // the other ops' weights, in Op::weights order
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const Graph& graph, const WeightStore& store, int threads)
      : graph_(graph), plan_(plan_buffers(graph_)), pool_(threads) {
    prepared_.reserve(graph_.ops.size());
    for (const Op& op : graph_.ops) {
      PreparedOp p;
      p.op = &op;
      if (op.kind == OpKind::Linear) {
        // F16/Q8_0 weights stay compact and are used in place; the rest go to the f32 linear.
        // A bundle may record the q8 activation width its model needs (docs/bundle-format.md).
        p.compact = cpu::make_compact_linear(store, op.weights[0], op.weights[1],
                                             cpu::default_q8_kernel(store.q8_activations()));
        if (!p.compact) {
          std::vector<float> weight = load_weight(store, op.weights[0]);
          std::vector<float> bias = load_weight(store, op.weights[1]);
          p.linear = std::make_unique<F32Linear>(weight.data(), bias.data(),
                                                 static_cast<int>(op.weights[0].shape[1]),
                                                 static_cast<int>(op.weights[0].shape[0]));
        }
      } else {
        if (op.kind == OpKind::EmbedLayerNorm) p.word_rows = cpu::make_compact_rows(store, op.weights[0]);
        for (const WeightRef& ref : op.weights)
          p.w.push_back(&ref == &op.weights[0] && p.word_rows ? std::vector<float>{} : load_weight(store, ref));
      }
      prepared_.push_back(std::move(p));
    }
    slots_.resize(plan_.slots.size());
  }

  std::string name() const override { return "cpu"; }

  void run(const PackedBatch& batch, float* logits) override {
    const std::size_t tokens = batch.tokens(), pairs = batch.pairs();
    for (std::size_t s = 0; s < slots_.size(); ++s) {
      const std::size_t rows = plan_.slots[s].rows == Rows::Tokens ? tokens : pairs;
      const std::size_t need = rows * plan_.slots[s].cols + kSlackFloats;
      if (slots_[s].size() < need) slots_[s].resize(need);
    }
    for (const PreparedOp& p : prepared_) execute(p, batch);
    const std::size_t labels = graph_.values[graph_.output].cols;
    std::copy_n(value(graph_.output), pairs * labels, logits);
  }

 private:
  float* value(int id) { return slots_[plan_.slot_of[id]].data(); }

  std::size_t rows_of(int id, const PackedBatch& b) const {
    return graph_.values[id].rows == Rows::Tokens ? b.tokens() : b.pairs();
  }

  void execute(const PreparedOp& p, const PackedBatch& b) {
    const Op& op = *p.op;
    float* out = value(op.output);
    const int cols = graph_.values[op.output].cols;
    const std::size_t rows = rows_of(op.output, b);
    switch (op.kind) {
      case OpKind::EmbedLayerNorm: {
        const auto& w = p.w;
        pool_.parallel_for(rows, 16, [&](std::size_t r0, std::size_t r1) {
          if (p.word_rows)
            cpu::embed_rows_compact(*p.word_rows, w[1].data(), w[2].data(), b.ids.data(),
                                    b.positions.data(), b.type_ids.data(), cols, r0, r1, out);
          else
            cpu::embed_rows(w[0].data(), w[1].data(), w[2].data(), b.ids.data(),
                            b.positions.data(), b.type_ids.data(), cols, r0, r1, out);
          cpu::layer_norm_rows(out, nullptr, w[3].data(), w[4].data(), op.eps, cols, r0, r1, out);
        });
        break;
      }
      case OpKind::Linear: {
        if (p.compact) p.compact->run(value(op.inputs[0]), rows, out, pool_);
        else p.linear->run(value(op.inputs[0]), rows, out, pool_);
        if (op.activation == Activation::Gelu) {
          pool_.parallel_for(rows, 8, [&](std::size_t r0, std::size_t r1) {
            cpu::gelu_inplace(out + r0 * cols, (r1 - r0) * cols);
          });
        } else if (op.activation == Activation::Tanh) {
          cpu::tanh_inplace(out, rows * cols);
        }
        break;
      }
      case OpKind::AddLayerNorm: {
        const float* a = value(op.inputs[0]);
        const float* res = value(op.inputs[1]);
        pool_.parallel_for(rows, 16, [&](std::size_t r0, std::size_t r1) {
          cpu::layer_norm_rows(a, res, p.w[0].data(), p.w[1].data(), op.eps, cols, r0, r1, out);
        });
        break;
      }
      case OpKind::Attention: {
        const float* qkv = value(op.inputs[0]);
        const int hidden = op.heads * op.head_dim;
        const std::size_t tasks = static_cast<std::size_t>(b.pairs()) * op.heads;
        pool_.parallel_for(tasks, 1, [&](std::size_t t0, std::size_t t1) {
          thread_local std::vector<float> scratch;
          for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t pair = t / op.heads;
            const int head = static_cast<int>(t % op.heads);
            const int start = b.offsets[pair], n = b.offsets[pair + 1] - start;
            const std::size_t need = cpu::attention_scratch_floats(n, op.head_dim);
            if (scratch.size() < need) scratch.resize(need);
            cpu::attention_head(qkv + static_cast<std::size_t>(start) * 3 * hidden, n, hidden,
                                head, op.head_dim, out + static_cast<std::size_t>(start) * hidden,
                                scratch.data());
          }
        });
        break;
      }
      case OpKind::GatherFirst: {
        const float* in = value(op.inputs[0]);
        for (std::size_t pair = 0; pair < rows; ++pair)
          std::copy_n(in + static_cast<std::size_t>(b.offsets[pair]) * cols, cols,
                      out + pair * cols);
        break;
      }
    }
  }

  Graph graph_;
  BufferPlan plan_;
  ThreadPool pool_;
  std::vector<PreparedOp> prepared_;
  std::vector<std::vector<float>> slots_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Graph& graph, const WeightStore& weights,
                                          int threads) {
  return std::make_unique<CpuBackend>(graph, weights, threads);
}

}  // namespace cappy
