#include "backend/plan/kernel_specs.h"

namespace cappy::plan {

const std::vector<KernelSpec>& kernel_specs() {
  static const std::vector<KernelSpec> specs = {
      // out[t] = LayerNorm(word[ids[t]] + position[positions[t]] + token_type[types[t]]).
      // `batch` is the i32 input buffer; ids start at 0, the others at the given offsets.
      // The word table is WORD_FORMAT 0: f32, 1: f16, 2: Q8_0 (cols a multiple of 32).
      {"embed_layernorm",
       {"batch", "word", "position", "token_type", "gamma", "beta", "out"},
       {"out"},
       {"rows", "cols", "type_ids_at", "positions_at", "eps"},
       {"WORD_FORMAT"}},
      // out = LayerNorm(a + b) row by row.
      {"add_layernorm", {"a", "b", "gamma", "beta", "out"}, {"out"}, {"rows", "cols", "eps"}, {}},
      // y = act(x · Wᵀ + bias); W [out_features, in_features] as WEIGHTS_FORMAT 0: f32,
      // 1: IEEE halves (in_features even), 2: GGML Q8_0 blocks (in_features a multiple of 32).
      // activation: 0 none, 1 GELU (erf), 2 tanh.
      {"linear", {"x", "weight", "bias", "y"}, {"y"},
       {"rows", "in_features", "out_features", "activation"}, {"WEIGHTS_FORMAT"}},
      // Softmax(q·kᵀ·scale)·v per pair, per head, over the pair's own packed rows.
      // qkv rows are [q | k | v] of `hidden` columns each; offsets in `batch` at offsets_at.
      {"attention", {"qkv", "batch", "out"}, {"out"},
       {"hidden", "head_dim", "offsets_at", "scale"}, {"QUERY_TILE", "MAX_KEYS"}},
      // out[p] = x[offsets[p]] (the pair's first token).
      {"gather_first", {"x", "batch", "out"}, {"out"}, {"pairs", "cols", "offsets_at"}, {}},
  };
  return specs;
}

const KernelSpec* find_kernel(const std::string& name) {
  for (const KernelSpec& k : kernel_specs())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace cappy::plan
