// The sequence-classification encoder, written once for RoBERTa- and
// BERT-family checkpoints (HF tensor names). Read top to bottom it is the
// forward pass.
#include <string>

#include "model/graph.h"

namespace cappy {

namespace {

using Shape = std::vector<std::int64_t>;

WeightRef w(std::string name, Shape shape) { return {{std::move(name)}, std::move(shape)}; }

Op linear(int in, int out, const std::string& layer, std::int64_t out_f, std::int64_t in_f,
          Activation act = Activation::None) {
  Op op{OpKind::Linear, {in}, out};
  op.weights = {w(layer + ".weight", {out_f, in_f}), w(layer + ".bias", {out_f})};
  op.activation = act;
  return op;
}

Op add_layer_norm(int a, int b, int out, const std::string& ln, std::int64_t h, float eps) {
  Op op{OpKind::AddLayerNorm, {a, b}, out};
  op.weights = {w(ln + ".weight", {h}), w(ln + ".bias", {h})};
  op.eps = eps;
  return op;
}

}  // namespace

Graph build_encoder_graph(const ModelSpec& spec) {
  Graph g;
  g.spec = spec;
  const std::int64_t h = spec.hidden_size, ffn = spec.intermediate_size;
  const std::string p = spec.prefix();
  const float eps = spec.layer_norm_eps;

  // Embeddings: word + position + token type, then LayerNorm.
  int x = g.add_value("embeddings", Rows::Tokens, spec.hidden_size);
  {
    const std::string e = p + "embeddings.";
    Op op{OpKind::EmbedLayerNorm, {}, x};
    op.weights = {w(e + "word_embeddings.weight", {spec.vocab_size, h}),
                  w(e + "position_embeddings.weight", {spec.max_position_embeddings, h}),
                  w(e + "token_type_embeddings.weight", {spec.type_vocab_size, h}),
                  w(e + "LayerNorm.weight", {h}), w(e + "LayerNorm.bias", {h})};
    op.eps = eps;
    g.ops.push_back(op);
  }

  for (int i = 0; i < spec.num_layers; ++i) {
    const std::string l = p + "encoder.layer." + std::to_string(i) + ".";
    const std::string tag = "layer" + std::to_string(i) + ".";

    // Self-attention: one fused Q|K|V projection, then attention per pair.
    int qkv = g.add_value(tag + "qkv", Rows::Tokens, 3 * spec.hidden_size);
    Op proj{OpKind::Linear, {x}, qkv};
    const std::string s = l + "attention.self.";
    proj.weights = {
        {{s + "query.weight", s + "key.weight", s + "value.weight"}, {3 * h, h}},
        {{s + "query.bias", s + "key.bias", s + "value.bias"}, {3 * h}}};
    g.ops.push_back(proj);

    int ctx = g.add_value(tag + "context", Rows::Tokens, spec.hidden_size);
    Op attn{OpKind::Attention, {qkv}, ctx};
    attn.heads = spec.num_heads;
    attn.head_dim = spec.head_dim();
    g.ops.push_back(attn);

    int attn_out = g.add_value(tag + "attention_output", Rows::Tokens, spec.hidden_size);
    g.ops.push_back(linear(ctx, attn_out, l + "attention.output.dense", h, h));
    int x1 = g.add_value(tag + "attention_norm", Rows::Tokens, spec.hidden_size);
    g.ops.push_back(add_layer_norm(attn_out, x, x1, l + "attention.output.LayerNorm", h, eps));

    // Feed-forward with the exact (erf) GELU.
    int inter = g.add_value(tag + "intermediate", Rows::Tokens, spec.intermediate_size);
    g.ops.push_back(linear(x1, inter, l + "intermediate.dense", ffn, h, Activation::Gelu));
    int ffn_out = g.add_value(tag + "output", Rows::Tokens, spec.hidden_size);
    g.ops.push_back(linear(inter, ffn_out, l + "output.dense", h, ffn));
    int x2 = g.add_value(tag + "output_norm", Rows::Tokens, spec.hidden_size);
    g.ops.push_back(add_layer_norm(ffn_out, x1, x2, l + "output.LayerNorm", h, eps));
    x = x2;
  }

  // Head on the first token (<s> / [CLS]): dense + tanh, then the classifier.
  int cls = g.add_value("first_token", Rows::Pairs, spec.hidden_size);
  g.ops.push_back(Op{OpKind::GatherFirst, {x}, cls});
  int pooled = g.add_value("pooled", Rows::Pairs, spec.hidden_size);
  int logits = g.add_value("logits", Rows::Pairs, spec.num_labels);
  const std::int64_t labels = spec.num_labels;
  if (spec.family == Family::Roberta) {
    g.ops.push_back(linear(cls, pooled, "classifier.dense", h, h, Activation::Tanh));
    g.ops.push_back(linear(pooled, logits, "classifier.out_proj", labels, h));
  } else {
    g.ops.push_back(linear(cls, pooled, "bert.pooler.dense", h, h, Activation::Tanh));
    g.ops.push_back(linear(pooled, logits, "classifier", labels, h));
  }
  g.output = logits;
  return g;
}

}  // namespace cappy
