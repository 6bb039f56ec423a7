#include <gtest/gtest.h>

#include <set>

#include "model/config.h"
#include "model/graph.h"

namespace cappy {
namespace {

ModelSpec small_spec(Family f) {
  ModelSpec s;
  s.family = f;
  s.model_type = f == Family::Roberta ? "roberta" : "bert";
  s.vocab_size = 100;
  s.hidden_size = 8;
  s.num_layers = 3;
  s.num_heads = 2;
  s.intermediate_size = 16;
  s.max_position_embeddings = 20;
  s.num_labels = 2;
  return s;
}

TEST(Graph, NamesEveryHfTensorOnce) {
  const Graph g = build_encoder_graph(small_spec(Family::Roberta));
  std::set<std::string> names;
  for (const Op& op : g.ops)
    for (const WeightRef& w : op.weights)
      for (const auto& p : w.parts) EXPECT_TRUE(names.insert(p).second) << p;
  EXPECT_TRUE(names.count("roberta.encoder.layer.2.attention.self.value.bias"));
  EXPECT_TRUE(names.count("classifier.out_proj.weight"));
  // 5 embedding tensors + 16 per layer + 4 head tensors.
  EXPECT_EQ(names.size(), 5u + 16u * 3 + 4u);
  const Graph b = build_encoder_graph(small_spec(Family::Bert));
  bool pooler = false;
  for (const Op& op : b.ops)
    for (const WeightRef& w : op.weights) pooler = pooler || w.parts[0] == "bert.pooler.dense.weight";
  EXPECT_TRUE(pooler);
  EXPECT_EQ(b.values[b.output].cols, 2);
  EXPECT_EQ(b.values[b.output].rows, Rows::Pairs);
}

TEST(Graph, BufferPlanNeverAliasesLiveValues) {
  const Graph g = build_encoder_graph(small_spec(Family::Roberta));
  const BufferPlan plan = plan_buffers(g);
  // Replay the ops: a value's slot must still hold it whenever it is read.
  std::vector<int> holder(plan.slots.size(), -1);
  for (const Op& op : g.ops) {
    for (int in : op.inputs) EXPECT_EQ(holder[plan.slot_of[in]], in) << g.values[in].name;
    const int s = plan.slot_of[op.output];
    for (int in : op.inputs) EXPECT_NE(plan.slot_of[in], s) << "op writes a buffer it reads";
    EXPECT_GE(plan.slots[s].cols, g.values[op.output].cols);
    EXPECT_EQ(plan.slots[s].rows, g.values[op.output].rows);
    holder[s] = op.output;
  }
  EXPECT_EQ(holder[plan.slot_of[g.output]], g.output);
  // Reuse is real: far fewer buffers than values.
  EXPECT_LE(plan.slots.size(), 6u);
  EXPECT_GT(g.values.size(), 20u);
}

}  // namespace
}  // namespace cappy
