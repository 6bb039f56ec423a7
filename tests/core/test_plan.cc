// The GPU dispatch plan, checked without a GPU: one dispatch per graph op
// with the kernel's interface, buffers big enough for what they hold and
// never overwritten while live, grids covering the work, errors for shapes
// the kernels cannot run, the JSON executors read.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "backend/plan/kernel_specs.h"
#include "backend/plan/plan.h"
#include "backend/plan/plan_json.h"
#include "backend/plan/wgsl_kernels.h"
#include "cappy/cappy.h"
#include "model/config.h"
#include "model/graph.h"
#include "model/weight_store.h"
#include "test_support.h"

namespace cappy::plan {
namespace {

ModelSpec small_spec(Family f, int hidden = 8, int heads = 2) {
  ModelSpec s;
  s.family = f;
  s.model_type = f == Family::Roberta ? "roberta" : "bert";
  s.vocab_size = 100;
  s.hidden_size = hidden;
  s.num_layers = 3;
  s.num_heads = heads;
  s.intermediate_size = 2 * hidden;
  s.max_position_embeddings = 600;
  s.type_vocab_size = 2;
  s.num_labels = 2;
  return s;
}

ModelSpec fixture_spec(const std::string& name) {
  const std::string path = std::string(CAPPY_FIXTURES_DIR) + "/" + name + "/config.json";
  return parse_config(test::read_file(path), path);
}

std::uint64_t rows_of(const Plan& p, Rows r) { return r == Rows::Tokens ? p.shape.tokens : p.shape.pairs; }

std::uint32_t constant(const Dispatch& d, const std::string& name) {
  for (const Constant& c : d.constants)
    if (c.name == name) return c.value;
  ADD_FAILURE() << d.label << " has no constant " << name;
  return 0;
}

std::uint32_t param_u(const Dispatch& d, const std::string& name) {
  for (const Param& p : d.params)
    if (p.name == name) return p.u;
  ADD_FAILURE() << d.label << " has no param " << name;
  return 0;
}

// Checks every invariant an executor relies on.
void check_plan(const Graph& g, const Plan& p) {
  ASSERT_EQ(p.dispatches.size(), g.ops.size());
  const BufferPlan slots = plan_buffers(g);

  // Buffers: input layout, weights' sizes, activations' sizes.
  const Buffer& in = p.buffers.at(p.input.buffer);
  EXPECT_EQ(in.role, Role::Input);
  EXPECT_EQ(in.dtype, DType::I32);
  EXPECT_EQ(p.input.ids_at, 0u);
  EXPECT_EQ(p.input.type_ids_at, static_cast<std::uint32_t>(p.shape.tokens));
  EXPECT_EQ(p.input.positions_at, 2u * p.shape.tokens);
  EXPECT_EQ(p.input.offsets_at, 3u * p.shape.tokens);
  EXPECT_GE(in.bytes, 4u * (3u * p.shape.tokens + p.shape.pairs + 1));
  std::set<std::string> names;
  for (const Buffer& b : p.buffers) {
    EXPECT_TRUE(names.insert(b.name).second) << "duplicate buffer " << b.name;
    EXPECT_EQ(b.bytes % 16, 0u) << b.name;
    EXPECT_GE(b.bytes, 16u);
    std::uint64_t n = 1;
    for (auto d : b.shape) n *= d;
    const std::uint64_t need = b.dtype == DType::F16 ? 2 * n : b.dtype == DType::Q8_0 ? n / 32 * 34 : 4 * n;
    if (b.dtype == DType::Q8_0) EXPECT_EQ(n % 32, 0u) << b.name;
    EXPECT_GE(b.bytes, need) << b.name;
    EXPECT_LT(b.bytes, need + 16 + 16) << b.name << ": no waste beyond padding";
    if (b.role == Role::Weight) {
      EXPECT_FALSE(b.parts.empty());
      EXPECT_EQ(b.shape[0] % static_cast<std::int64_t>(b.parts.size()), 0);
    }
  }

  // Replay: each dispatch reads buffers that still hold its op's inputs and
  // writes one that holds none of them.
  std::vector<int> holder(p.buffers.size(), -1);
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const Dispatch& d = p.dispatches[i];
    SCOPED_TRACE(d.label);
    const KernelSpec* spec = find_kernel(d.kernel);
    ASSERT_NE(spec, nullptr) << d.kernel;
    ASSERT_EQ(d.bindings.size(), spec->bindings.size());
    ASSERT_EQ(d.params.size(), spec->params.size());
    for (std::size_t k = 0; k < d.params.size(); ++k) EXPECT_EQ(d.params[k].name, spec->params[k]);
    ASSERT_EQ(d.constants.size(), spec->constants.size());
    for (std::size_t k = 0; k < d.constants.size(); ++k) EXPECT_EQ(d.constants[k].name, spec->constants[k]);
    for (int b : d.bindings) ASSERT_TRUE(b >= 0 && b < static_cast<int>(p.buffers.size()));

    std::vector<int> value_bindings;  // bindings that carry activations, in order
    for (int b : d.bindings)
      if (p.buffers[b].role == Role::Activation) value_bindings.push_back(b);
    ASSERT_EQ(value_bindings.size(), op.inputs.size() + 1);
    for (std::size_t k = 0; k < op.inputs.size(); ++k)
      EXPECT_EQ(holder[value_bindings[k]], op.inputs[k]) << "input " << k << " was overwritten";
    const int out = value_bindings.back();
    EXPECT_EQ(out, d.bindings.back()) << "the written buffer is the last binding";
    for (std::size_t k = 0; k + 1 < value_bindings.size(); ++k) EXPECT_NE(value_bindings[k], out);
    const ValueInfo& v = g.values[op.output];
    EXPECT_GE(static_cast<std::uint64_t>(p.buffers[out].bytes), rows_of(p, v.rows) * v.cols * 4);
    holder[out] = op.output;

    // Weights bound are exactly the op's, in order.
    std::vector<int> weight_bindings;
    for (int b : d.bindings)
      if (p.buffers[b].role == Role::Weight) weight_bindings.push_back(b);
    ASSERT_EQ(weight_bindings.size(), op.weights.size());
    for (std::size_t k = 0; k < op.weights.size(); ++k) {
      EXPECT_EQ(p.buffers[weight_bindings[k]].parts, op.weights[k].parts);
      EXPECT_EQ(p.buffers[weight_bindings[k]].shape, op.weights[k].shape);
    }

    // The grid covers the work, without whole empty rows of workgroups.
    const auto& grid = d.grid;
    for (auto x : grid) EXPECT_TRUE(x >= 1 && x <= kMaxGridDim);
    const std::uint64_t rows = rows_of(p, v.rows);
    if (d.kernel == "linear") {
      const std::uint32_t n = param_u(d, "out_features");
      EXPECT_EQ(param_u(d, "rows"), rows);
      EXPECT_EQ(param_u(d, "in_features"), op.weights[0].shape[1]);
      EXPECT_EQ(n, static_cast<std::uint32_t>(v.cols));
      EXPECT_GE(grid[0] * kLinearTileCols, n);
      EXPECT_LT((grid[0] - 1) * kLinearTileCols, n);
      EXPECT_GE(grid[1] * kLinearTileRows, rows);
      EXPECT_LT((grid[1] - 1) * kLinearTileRows, rows);
      EXPECT_EQ(grid[2], 1u);
      const DType wt = p.buffers[d.bindings[1]].dtype;
      EXPECT_EQ(constant(d, "WEIGHTS_FORMAT"), wt == DType::F16 ? 1u : wt == DType::Q8_0 ? 2u : 0u);
      if (wt == DType::F16) EXPECT_EQ(param_u(d, "in_features") % 2, 0u);
      if (wt == DType::Q8_0) EXPECT_EQ(param_u(d, "in_features") % 32, 0u);
      // What the plan asked for, or the fallback the row length forces.
      const std::uint32_t k = param_u(d, "in_features");
      const DType want = p.options.linear_weights == WeightFormat::Q8_0 && k % 32 == 0 ? DType::Q8_0
                         : p.options.linear_weights != WeightFormat::F32 && k % 2 == 0 ? DType::F16
                                                                                        : DType::F32;
      EXPECT_EQ(wt, want);
    } else if (d.kernel == "embed_layernorm" || d.kernel == "add_layernorm") {
      if (d.kernel == "embed_layernorm") {
        const DType word = p.buffers[d.bindings[1]].dtype;
        EXPECT_EQ(constant(d, "WORD_FORMAT"), word == DType::F16 ? 1u : word == DType::Q8_0 ? 2u : 0u);
        for (int k = 2; k <= 5; ++k) EXPECT_EQ(p.buffers[d.bindings[k]].dtype, DType::F32);
      }
      EXPECT_EQ(param_u(d, "rows"), rows);
      EXPECT_EQ(param_u(d, "cols"), static_cast<std::uint32_t>(v.cols));
      EXPECT_GE(std::uint64_t{grid[0]} * grid[1], rows);
      EXPECT_LT(std::uint64_t{grid[0]} * (grid[1] - 1), rows);
    } else if (d.kernel == "attention") {
      const std::uint32_t tile = constant(d, "QUERY_TILE"), keys = constant(d, "MAX_KEYS");
      EXPECT_GE(keys, static_cast<std::uint32_t>(p.shape.max_pair_tokens));
      EXPECT_EQ(workgroup_storage_bytes(d), 4u * (tile * keys + kAttentionThreads));
      EXPECT_LE(workgroup_storage_bytes(d), 16384u);
      EXPECT_LE(tile, kAttentionThreads) << "at least one thread per query row";
      EXPECT_GE(grid[0] * tile, static_cast<std::uint32_t>(p.shape.max_pair_tokens));
      EXPECT_LT((grid[0] - 1) * tile, static_cast<std::uint32_t>(p.shape.max_pair_tokens));
      EXPECT_EQ(grid[1], static_cast<std::uint32_t>(op.heads));
      EXPECT_EQ(grid[2], static_cast<std::uint32_t>(p.shape.pairs));
      EXPECT_EQ(param_u(d, "head_dim"), static_cast<std::uint32_t>(op.head_dim));
      EXPECT_EQ(param_u(d, "hidden"), static_cast<std::uint32_t>(op.heads * op.head_dim));
      EXPECT_EQ(param_u(d, "offsets_at"), p.input.offsets_at);
      EXPECT_FLOAT_EQ(d.params[3].f, 1.0f / std::sqrt(static_cast<float>(op.head_dim)));
    } else if (d.kernel == "gather_first") {
      EXPECT_GE(grid[0] * kGatherThreads, static_cast<std::uint32_t>(v.cols));
      EXPECT_EQ(grid[1], static_cast<std::uint32_t>(p.shape.pairs));
      EXPECT_EQ(param_u(d, "offsets_at"), p.input.offsets_at);
    } else {
      ADD_FAILURE() << "unchecked kernel " << d.kernel;
    }
    for (const Param& prm : d.params)
      if (prm.is_float && prm.name == "eps") EXPECT_FLOAT_EQ(prm.f, op.eps);
  }
  // The output holds the logits at the end.
  EXPECT_EQ(holder[p.output.buffer], g.output);
  EXPECT_EQ(p.output.rows, p.shape.pairs);
  EXPECT_EQ(p.output.cols, g.spec.num_labels);
}

TEST(Plan, RobertaAndBertPlansKeepEveryInvariant) {
  for (Family f : {Family::Roberta, Family::Bert}) {
    const Graph g = build_encoder_graph(small_spec(f));
    for (Shape s : {Shape{1, 1, 1}, Shape{37, 3, 20}, Shape{130, 2, 65}, Shape{1000, 2, 500}}) {
      SCOPED_TRACE(std::to_string(s.tokens) + " tokens");
      check_plan(g, build_plan(g, s));
      for (WeightFormat w : {WeightFormat::F16, WeightFormat::Q8_0}) {
        Options o;
        o.linear_weights = w;
        check_plan(g, build_plan(g, s, o));
      }
    }
  }
}

TEST(Plan, FixturesPlanNamesTheirRealTensors) {
  for (const char* name : {"tiny-roberta", "tiny-bert"}) {
    SCOPED_TRACE(name);
    const ModelSpec spec = fixture_spec(name);
    const Graph g = build_encoder_graph(spec);
    const Plan p = build_plan(g, {60, 3, 30});
    check_plan(g, p);
    const WeightStore store = WeightStore::open_directory(std::string(CAPPY_FIXTURES_DIR) + "/" + name);
    int weights = 0;
    for (const Buffer& b : p.buffers) {
      if (b.role != Role::Weight) continue;
      ++weights;
      std::vector<std::int64_t> part = b.shape;
      part[0] /= static_cast<std::int64_t>(b.parts.size());
      for (const auto& t : b.parts) EXPECT_NO_THROW(store.get(t, part)) << t;
    }
    // Every checkpoint tensor the graph uses is uploaded once.
    EXPECT_EQ(weights, 5 + 12 * spec.num_layers + 4);
  }
}

TEST(Plan, ActivationBuffersAreReused) {
  const Graph g = build_encoder_graph(small_spec(Family::Roberta));
  const Plan p = build_plan(g, {64, 2, 32});
  int activations = 0;
  for (const Buffer& b : p.buffers) activations += b.role == Role::Activation;
  EXPECT_EQ(activations, static_cast<int>(plan_buffers(g).slots.size()));
  EXPECT_LE(activations, 6);
  EXPECT_GT(p.dispatches.size(), 20u);
}

TEST(Plan, BuffersScaleWithTheBatch) {
  const Graph g = build_encoder_graph(small_spec(Family::Roberta));
  const Plan a = build_plan(g, {100, 4, 40}), b = build_plan(g, {200, 4, 80});
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (std::size_t i = 0; i < a.buffers.size(); ++i) {
    if (a.buffers[i].role == Role::Weight) {
      EXPECT_EQ(a.buffers[i].bytes, b.buffers[i].bytes);
    } else if (a.buffers[i].role == Role::Activation && a.buffers[i].shape[0] == 100) {
      EXPECT_EQ(b.buffers[i].shape[0], 200);
      EXPECT_EQ(b.buffers[i].bytes, 2 * a.buffers[i].bytes);
    }
  }
}

TEST(Plan, F16StoresEvenLinearWeightsAsHalves) {
  Options o;
  o.linear_weights = WeightFormat::F16;
  const Graph even = build_encoder_graph(small_spec(Family::Roberta, 8, 2));
  const Plan p = build_plan(even, {10, 2, 5}, o);
  int halves = 0;
  for (const Buffer& b : p.buffers) {
    if (b.dtype != DType::F16) continue;
    ++halves;
    EXPECT_EQ(b.shape.size(), 2u) << b.name << ": only matrices";
    EXPECT_EQ(b.bytes, static_cast<std::uint64_t>(b.shape[0] * b.shape[1] * 2 + 15) / 16 * 16);
  }
  EXPECT_EQ(halves, 4 * 3 + 2 + 1);  // qkv, attention out, FFN in/out per layer; the head's two; words
  // An odd row length cannot be read two halves per word: that layer stays f32.
  const Graph odd = build_encoder_graph(small_spec(Family::Roberta, 9, 3));
  for (const Buffer& b : build_plan(odd, {10, 2, 5}, o).buffers)
    if (b.role == Role::Weight && b.shape.size() == 2 && b.shape[1] % 2 == 1)
      EXPECT_EQ(b.dtype, b.name.find("word_embeddings") != std::string::npos ? DType::F16 : DType::F32)
          << b.name << " (the word table is read element by element)";
}

TEST(Plan, Q8StoresRowsOfWholeBlocksAndFallsBackToHalves) {
  Options o;
  o.linear_weights = WeightFormat::Q8_0;
  // hidden 64, FFN 128: every matrix's rows are whole 32-blocks. hidden 48
  // (FFN 96): only the FFN output [48, 96] has; the rest (rows of 48) fall
  // back to f16.
  const Plan p = build_plan(build_encoder_graph(small_spec(Family::Roberta, 64, 4)), {10, 2, 5}, o);
  int q8 = 0;
  for (const Buffer& b : p.buffers) {
    if (b.role != Role::Weight || b.shape.size() != 2 || b.name.find("embeddings") != std::string::npos) continue;
    EXPECT_EQ(b.dtype, DType::Q8_0) << b.name;
    EXPECT_EQ(b.bytes, (b.shape[0] * b.shape[1] / 32 * 34 + 15) / 16 * 16) << b.name;
    ++q8;
  }
  EXPECT_EQ(q8, 4 * 3 + 2);
  const Plan mixed = build_plan(build_encoder_graph(small_spec(Family::Roberta, 48, 4)), {10, 2, 5}, o);
  for (const Buffer& b : mixed.buffers)
    if (b.role == Role::Weight && b.shape.size() == 2 && b.name.find("embeddings") == std::string::npos)
      EXPECT_EQ(b.dtype, b.shape[1] == 96 ? DType::Q8_0 : DType::F16) << b.name;
  // The word table is stored like the linear weights (q8 needs rows of whole
  // blocks; f16 does not); the other embedding tables stay f32.
  for (const Plan* plan : {&p, &mixed})
    for (const Buffer& b : plan->buffers) {
      if (b.name.find("embeddings") == std::string::npos) continue;
      const bool word = b.name.find("word_embeddings") != std::string::npos;
      EXPECT_EQ(b.dtype, !word ? DType::F32 : b.shape[1] % 32 == 0 ? DType::Q8_0 : DType::F16) << b.name;
    }
  EXPECT_EQ(constant(p.dispatches[0], "WORD_FORMAT"), 2u);
  EXPECT_EQ(constant(mixed.dispatches[0], "WORD_FORMAT"), 1u);
}

TEST(Plan, LargeBatchesWrapRowGridsAndLongPairsShrinkTheQueryTile) {
  const Graph g = build_encoder_graph(small_spec(Family::Bert));
  const Plan p = build_plan(g, {100000, 200, 500});
  check_plan(g, p);
  EXPECT_EQ(p.dispatches[0].grid[0], kMaxGridDim);
  EXPECT_EQ(p.dispatches[0].grid[1], 2u);
  for (const Dispatch& d : p.dispatches)
    if (d.kernel == "attention") {
      EXPECT_EQ(constant(d, "MAX_KEYS"), 512u);
      EXPECT_EQ(constant(d, "QUERY_TILE"), 7u);
    }
}

TEST(Plan, RejectsShapesItCannotRun) {
  const Graph g = build_encoder_graph(small_spec(Family::Roberta));
  auto message = [&](Shape s) {
    try {
      build_plan(g, s);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({0, 1, 1}).find("at least 1"), std::string::npos);
  EXPECT_NE(message({3, 4, 1}).find("more pairs than tokens"), std::string::npos);
  EXPECT_NE(message({10, 2, 11}).find("longer than the batch"), std::string::npos);
  EXPECT_NE(message({10, 2, 4}).find("cannot hold"), std::string::npos);
  // RoBERTa positions start at pad_token_id + 1: 600 - 2 = 598 usable.
  EXPECT_NE(message({599, 1, 599}).find("598 positions"), std::string::npos);
  EXPECT_NE(message({70000, 70000, 1}).find("at most 65535"), std::string::npos);
  EXPECT_EQ(message({598, 1, 598}), "no error");
}

TEST(Plan, JsonHasWhatExecutorsRead) {
  const Graph g = build_encoder_graph(fixture_spec("tiny-bert"));
  const Plan p = build_plan(g, {20, 2, 12});
  const auto j = nlohmann::json::parse(plan_to_json(p));
  EXPECT_EQ(j["format"], "cappy-plan");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["shape"]["tokens"], 20);
  EXPECT_EQ(j["buffers"].size(), p.buffers.size());
  EXPECT_EQ(j["dispatches"].size(), p.dispatches.size());
  EXPECT_EQ(j["input"]["offsets_at"], 60);
  EXPECT_EQ(j["output"]["cols"], 2);
  const auto& qkv = j["buffers"][j["dispatches"][1]["bindings"][1].get<int>()];
  EXPECT_EQ(qkv["parts"].size(), 3u);
  EXPECT_EQ(qkv["role"], "weight");
  EXPECT_EQ(qkv["dtype"], "f32");
  const auto& ln = j["dispatches"][0];
  EXPECT_EQ(ln["kernel"], "embed_layernorm");
  EXPECT_EQ(ln["params"].back()["type"], "f32");
  EXPECT_FLOAT_EQ(ln["params"].back()["value"].get<float>(), 1e-12f);
  EXPECT_EQ(j["dispatches"][2]["constants"]["MAX_KEYS"], 32);
  std::uint64_t largest = 0;
  for (const Buffer& b : p.buffers) largest = std::max(largest, b.bytes);
  EXPECT_EQ(j["limits"]["max_buffer_bytes"], largest);
  EXPECT_TRUE(j["kernels"].is_array());
  const auto with = nlohmann::json::parse(plan_to_json(p, true));
  ASSERT_TRUE(with["kernels"].is_object());
  EXPECT_EQ(with["kernels"].size(), 5u);
  EXPECT_EQ(with["kernels"]["attention"], wgsl_kernel_source("attention"));
}

TEST(Plan, ShapeOfAPackedBatch) {
  PackedBatch b;
  b.ids = {0, 1, 2, 3, 4, 5, 6};
  b.offsets = {0, 2, 6, 7};
  const Shape s = shape_of(b);
  EXPECT_EQ(s.tokens, 7);
  EXPECT_EQ(s.pairs, 3);
  EXPECT_EQ(s.max_pair_tokens, 4);
}

}  // namespace
}  // namespace cappy::plan
