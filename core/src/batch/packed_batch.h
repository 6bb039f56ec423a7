// A batch as the encoder sees it: the token rows of several pairs
// concatenated without padding, with per-pair offsets. Linear layers run over
// all rows at once; attention runs per pair over its own rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cappy/cappy.h"
#include "model/config.h"

namespace cappy {

struct PackedBatch {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> type_ids;
  std::vector<std::int32_t> positions;
  std::vector<std::int32_t> offsets;  // pairs + 1 entries; pair p is [offsets[p], offsets[p+1])

  int tokens() const { return static_cast<int>(ids.size()); }
  int pairs() const { return offsets.empty() ? 0 : static_cast<int>(offsets.size()) - 1; }
};

// Packs encodings, computing position ids as the family does (RoBERTa: from
// pad_token_id + 1, pad tokens keep pad_token_id; BERT: from 0). Every id is
// checked against the model's tables; throws cappy::Error otherwise.
PackedBatch pack_batch(const std::vector<const Encoding*>& encodings, const ModelSpec& spec);

// Splits items (with these token counts, in order) into consecutive batches
// of at most max_pairs pairs and max_tokens tokens (0 = unlimited); an item
// longer than max_tokens gets a batch of its own.
std::vector<std::vector<std::size_t>> group_batches(const std::vector<std::size_t>& lengths,
                                                    std::size_t max_pairs,
                                                    std::size_t max_tokens);

}  // namespace cappy
