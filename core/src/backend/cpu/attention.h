// Self-attention of one head of one pair on the CPU, blocked so that both
// products (Q·Kᵀ and P·V) run as register-tiled multiply-adds instead of one
// dot product (and one horizontal sum) per query-key pair.
#pragma once

#include <cstddef>

namespace cappy::cpu {

// Floats of scratch that attention_head needs for a pair of n tokens.
std::size_t attention_scratch_floats(int n, int head_dim);

// qkv rows are [q | k | v] of `hidden` columns each (row stride 3*hidden); the
// pair's n rows start at qkv. Writes the head's head_dim columns of the n
// context rows (row stride hidden). scratch holds attention_scratch_floats(n, head_dim).
void attention_head(const float* qkv, int n, int hidden, int head, int head_dim, float* out,
                    float* scratch);

}  // namespace cappy::cpu
