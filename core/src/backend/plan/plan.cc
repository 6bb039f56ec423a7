#include "backend/plan/plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "backend/plan/kernel_specs.h"
#include "cappy/cappy.h"

namespace cappy::plan {

namespace {

std::uint64_t padded_bytes(std::uint64_t bytes) { return std::max<std::uint64_t>(16, (bytes + 15) / 16 * 16); }

std::uint32_t ceil_div(std::uint64_t a, std::uint64_t b) { return static_cast<std::uint32_t>((a + b - 1) / b); }

// Bytes of n elements stored as t (Q8_0: 34-byte blocks of 32).
std::uint64_t storage_bytes(DType t, std::uint64_t n) {
  switch (t) {
    case DType::F16: return 2 * n;
    case DType::Q8_0: return n / 32 * 34;
    default: return 4 * n;
  }
}

// The device format of a linear layer's [out, in] matrix.
DType matrix_dtype(WeightFormat want, std::int64_t in_features) {
  if (want == WeightFormat::Q8_0 && in_features % 32 == 0) return DType::Q8_0;
  if (want != WeightFormat::F32 && in_features % 2 == 0) return DType::F16;
  return DType::F32;
}

// The word-embedding table's format: element-wise reads, so f16 needs no
// even row length.
DType word_table_dtype(WeightFormat want, std::int64_t cols) {
  if (want == WeightFormat::Q8_0 && cols % 32 == 0) return DType::Q8_0;
  return want == WeightFormat::F32 ? DType::F32 : DType::F16;
}

// The kernels' WEIGHTS_FORMAT / WORD_FORMAT constants.
std::uint32_t weights_format(DType t) { return t == DType::F16 ? 1 : t == DType::Q8_0 ? 2 : 0; }

Param u32(std::string name, std::uint64_t v) {
  if (v > 0xffffffffull) throw Error("plan: parameter " + name + " does not fit in 32 bits");
  Param p;
  p.name = std::move(name);
  p.u = static_cast<std::uint32_t>(v);
  return p;
}

Param f32(std::string name, float v) {
  Param p;
  p.name = std::move(name);
  p.is_float = true;
  p.f = v;
  return p;
}

// One workgroup per row; rows beyond one grid dimension wrap into y (the
// kernels compute row = wg.x + wg.y * num_workgroups.x and skip the excess).
std::array<std::uint32_t, 3> row_grid(std::uint64_t rows) {
  const std::uint32_t x = static_cast<std::uint32_t>(std::min<std::uint64_t>(rows, kMaxGridDim));
  return {x, ceil_div(rows, x), 1};
}

void check_grid(const Dispatch& d) {
  for (std::uint32_t g : d.grid)
    if (g == 0 || g > kMaxGridDim)
      throw Error("plan: dispatch " + d.label + " (" + d.kernel + ") needs a grid dimension of " +
                  std::to_string(g) + " workgroups; at most " + std::to_string(kMaxGridDim) +
                  " are allowed (split the batch)");
}

class Planner {
 public:
  Planner(const Graph& g, const Shape& s, const Options& o) : g_(g), slots_(plan_buffers(g)) {
    plan_.spec = g.spec;
    plan_.shape = s;
    plan_.options = o;
  }

  Plan build() {
    add_input_buffer();
    for (const ValueInfo& slot : slots_.slots) {
      Buffer b;
      b.name = slot.name;
      b.role = Role::Activation;
      b.shape = {rows(slot.rows), slot.cols};
      b.bytes = padded_bytes(static_cast<std::uint64_t>(b.shape[0]) * b.shape[1] * 4);
      plan_.buffers.push_back(std::move(b));
    }
    for (const Op& op : g_.ops) lower(op);
    const ValueInfo& out = g_.values[g_.output];
    plan_.output = {activation(g_.output), rows(out.rows), out.cols};
    return std::move(plan_);
  }

 private:
  int rows(Rows r) const { return r == Rows::Tokens ? plan_.shape.tokens : plan_.shape.pairs; }
  int activation(int value) const { return 1 + slots_.slot_of[value]; }  // buffer 0 is the input

  void add_input_buffer() {
    const std::uint32_t t = static_cast<std::uint32_t>(plan_.shape.tokens);
    plan_.input = {0, 0, t, 2 * t, 3 * t};
    Buffer b;
    b.name = "batch";
    b.role = Role::Input;
    b.dtype = DType::I32;
    b.shape = {3 * static_cast<std::int64_t>(t) + plan_.shape.pairs + 1};
    b.bytes = padded_bytes(static_cast<std::uint64_t>(b.shape[0]) * 4);
    plan_.buffers.push_back(std::move(b));
  }

  int weight(const WeightRef& ref, DType dtype) {
    std::string name;
    for (const auto& p : ref.parts) name += (name.empty() ? "" : "+") + p;
    auto it = weight_index_.find(name);
    if (it != weight_index_.end()) return it->second;
    Buffer b;
    b.name = name;
    b.role = Role::Weight;
    b.dtype = dtype;
    b.shape = ref.shape;
    b.parts = ref.parts;
    std::uint64_t n = 1;
    for (auto d : ref.shape) n *= static_cast<std::uint64_t>(d);
    b.bytes = padded_bytes(storage_bytes(dtype, n));
    plan_.buffers.push_back(std::move(b));
    const int index = static_cast<int>(plan_.buffers.size()) - 1;
    weight_index_[name] = index;
    return index;
  }

  void add(Dispatch d) {
    check_grid(d);
    plan_.dispatches.push_back(std::move(d));
  }

  void lower(const Op& op) {
    const ValueInfo& out = g_.values[op.output];
    const std::uint64_t out_rows = static_cast<std::uint64_t>(rows(out.rows));
    Dispatch d;
    d.label = out.name;
    switch (op.kind) {
      case OpKind::EmbedLayerNorm:
      {
        // The word table is most of an encoder's embedding memory (206 MB of
        // f32 in roberta-large): it is stored like the linear weights.
        const DType word = word_table_dtype(plan_.options.linear_weights, out.cols);
        d.kernel = "embed_layernorm";
        d.constants = {{"WORD_FORMAT", weights_format(word)}};
        d.bindings = {plan_.input.buffer, weight(op.weights[0], word)};
        for (std::size_t i = 1; i < op.weights.size(); ++i) d.bindings.push_back(weight(op.weights[i], DType::F32));
        d.bindings.push_back(activation(op.output));
        d.params = {u32("rows", out_rows), u32("cols", out.cols),
                    u32("type_ids_at", plan_.input.type_ids_at),
                    u32("positions_at", plan_.input.positions_at), f32("eps", op.eps)};
        d.grid = row_grid(out_rows);
        break;
      }
      case OpKind::Linear: {
        const std::int64_t n = op.weights[0].shape[0], k = op.weights[0].shape[1];
        const DType wt = matrix_dtype(plan_.options.linear_weights, k);
        d.kernel = "linear";
        d.constants = {{"WEIGHTS_FORMAT", weights_format(wt)}};
        d.bindings = {activation(op.inputs[0]), weight(op.weights[0], wt),
                      weight(op.weights[1], DType::F32), activation(op.output)};
        const std::uint32_t act = op.activation == Activation::Gelu   ? 1
                                  : op.activation == Activation::Tanh ? 2
                                                                      : 0;
        d.params = {u32("rows", out_rows), u32("in_features", k), u32("out_features", n),
                    u32("activation", act)};
        d.grid = {ceil_div(n, kLinearTileCols), ceil_div(out_rows, kLinearTileRows), 1};
        break;
      }
      case OpKind::AddLayerNorm:
        d.kernel = "add_layernorm";
        d.bindings = {activation(op.inputs[0]), activation(op.inputs[1]),
                      weight(op.weights[0], DType::F32), weight(op.weights[1], DType::F32),
                      activation(op.output)};
        d.params = {u32("rows", out_rows), u32("cols", out.cols), f32("eps", op.eps)};
        d.grid = row_grid(out_rows);
        break;
      case OpKind::Attention: {
        const std::uint32_t max_keys =
            ceil_div(plan_.shape.max_pair_tokens, kAttentionKeyStep) * kAttentionKeyStep;
        if (max_keys > kAttentionScoreFloats)
          throw Error("plan: pairs of " + std::to_string(plan_.shape.max_pair_tokens) +
                      " tokens are longer than the attention kernel supports (" +
                      std::to_string(kAttentionScoreFloats) + ")");
        const std::uint32_t query_tile = std::min<std::uint32_t>(16, kAttentionScoreFloats / max_keys);
        d.kernel = "attention";
        d.bindings = {activation(op.inputs[0]), plan_.input.buffer, activation(op.output)};
        d.params = {u32("hidden", static_cast<std::uint64_t>(op.heads) * op.head_dim),
                    u32("head_dim", op.head_dim), u32("offsets_at", plan_.input.offsets_at),
                    f32("scale", 1.0f / std::sqrt(static_cast<float>(op.head_dim)))};
        d.constants = {{"QUERY_TILE", query_tile}, {"MAX_KEYS", max_keys}};
        d.grid = {ceil_div(plan_.shape.max_pair_tokens, query_tile),
                  static_cast<std::uint32_t>(op.heads), static_cast<std::uint32_t>(plan_.shape.pairs)};
        break;
      }
      case OpKind::GatherFirst:
        d.kernel = "gather_first";
        d.bindings = {activation(op.inputs[0]), plan_.input.buffer, activation(op.output)};
        d.params = {u32("pairs", out_rows), u32("cols", out.cols),
                    u32("offsets_at", plan_.input.offsets_at)};
        d.grid = {ceil_div(out.cols, kGatherThreads), static_cast<std::uint32_t>(out_rows), 1};
        break;
    }
    add(std::move(d));
  }

  const Graph& g_;
  BufferPlan slots_;
  Plan plan_;
  std::map<std::string, int> weight_index_;
};

void check_shape(const Graph& g, const Shape& s) {
  auto fail = [&](const std::string& why) {
    throw Error("plan: batch shape tokens=" + std::to_string(s.tokens) + " pairs=" +
                std::to_string(s.pairs) + " max_pair_tokens=" + std::to_string(s.max_pair_tokens) +
                ": " + why);
  };
  if (s.tokens < 1 || s.pairs < 1 || s.max_pair_tokens < 1) fail("every count must be at least 1");
  if (s.pairs > s.tokens) fail("more pairs than tokens");
  if (s.max_pair_tokens > s.tokens) fail("a pair longer than the batch");
  if (static_cast<std::int64_t>(s.max_pair_tokens) * s.pairs < s.tokens)
    fail("the pairs cannot hold that many tokens");
  if (s.max_pair_tokens > g.spec.max_positions_for_tokens())
    fail("a pair longer than the model's " + std::to_string(g.spec.max_positions_for_tokens()) +
         " positions");
}

}  // namespace

Shape shape_of(const PackedBatch& batch) {
  Shape s;
  s.tokens = batch.tokens();
  s.pairs = batch.pairs();
  for (int p = 0; p < s.pairs; ++p)
    s.max_pair_tokens = std::max(s.max_pair_tokens, batch.offsets[p + 1] - batch.offsets[p]);
  return s;
}

Plan build_plan(const Graph& graph, const Shape& shape, const Options& options) {
  check_shape(graph, shape);
  return Planner(graph, shape, options).build();
}

std::uint64_t workgroup_storage_bytes(const Dispatch& d) {
  if (d.kernel == "linear")
    return 4ull * kLinearTileK * (kLinearTileRows + kLinearTileCols);
  if (d.kernel == "attention") {
    std::uint64_t tile = 0, keys = 0;
    for (const Constant& c : d.constants) {
      if (c.name == "QUERY_TILE") tile = c.value;
      if (c.name == "MAX_KEYS") keys = c.value;
    }
    return 4 * (tile * keys + kAttentionThreads);
  }
  if (d.kernel == "embed_layernorm" || d.kernel == "add_layernorm") return 4ull * kRowThreads;
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::F16: return "f16";
    case DType::Q8_0: return "q8_0";
    case DType::I32: return "i32";
  }
  return "?";
}

const char* role_name(Role r) {
  switch (r) {
    case Role::Weight: return "weight";
    case Role::Input: return "input";
    case Role::Activation: return "activation";
  }
  return "?";
}

}  // namespace cappy::plan
