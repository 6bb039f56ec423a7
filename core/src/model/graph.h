// The encoder as data: a list of ops over named activation values. Built once
// per model from its spec (encoder_graph.cc); the CPU backend interprets it and
// the GPU planner lowers it to dispatches, so the model is written only once.
//
// Batches are packed: the tokens of all pairs are concatenated (no padding), so
// every value has either one row per token or one row per pair.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace cappy {

enum class Rows { Tokens, Pairs };

struct ValueInfo {
  std::string name;
  Rows rows = Rows::Tokens;
  int cols = 0;
};

enum class OpKind {
  // out[t] = LayerNorm(word[ids[t]] + position[pos[t]] + token_type[type[t]])
  // weights: word, position, token_type, gamma, beta
  EmbedLayerNorm,
  // out = act(in · Wᵀ + b); weights: W [out, in], b [out]
  Linear,
  // out = LayerNorm(in0 + in1); weights: gamma, beta
  AddLayerNorm,
  // Multi-head self-attention of each pair over its own tokens.
  // in: [T, 3·hidden] (q | k | v), out: [T, hidden]
  Attention,
  // out[p] = in[first token of pair p]
  GatherFirst,
};

enum class Activation { None, Gelu, Tanh };

// A weight named in the checkpoint; `parts` longer than one means the tensors
// are concatenated along their first dimension (the fused Q|K|V projection).
struct WeightRef {
  std::vector<std::string> parts;
  std::vector<std::int64_t> shape;  // of the whole (concatenated) weight
};

struct Op {
  Op() = default;
  Op(OpKind k, std::vector<int> in, int out) : kind(k), inputs(std::move(in)), output(out) {}

  OpKind kind = OpKind::Linear;
  std::vector<int> inputs;  // value ids
  int output = -1;          // value id
  std::vector<WeightRef> weights;
  Activation activation = Activation::None;  // Linear
  float eps = 0;                             // the LayerNorms
  int heads = 0, head_dim = 0;               // Attention
};

struct Graph {
  ModelSpec spec;
  std::vector<ValueInfo> values;
  std::vector<Op> ops;
  int output = -1;  // [pairs, num_labels] logits

  int add_value(std::string name, Rows rows, int cols);
};

// Builds the sequence-classification encoder for RoBERTa- and BERT-family
// specs: embeddings, N post-LN layers, the [CLS]/<s> head.
Graph build_encoder_graph(const ModelSpec& spec);

// Memory reuse shared by every executor: values whose lifetimes do not overlap
// share a buffer. slot_of[v] is value v's buffer; each buffer has a row kind
// and enough columns for every value placed in it.
struct BufferPlan {
  std::vector<int> slot_of;
  std::vector<ValueInfo> slots;
};
BufferPlan plan_buffers(const Graph& graph);

}  // namespace cappy
