#include "batch/packed_batch.h"

#include <string>

namespace cappy {

PackedBatch pack_batch(const std::vector<const Encoding*>& encodings, const ModelSpec& spec) {
  PackedBatch b;
  b.offsets.push_back(0);
  for (const Encoding* e : encodings) {
    if (e->ids.empty() || e->ids.size() != e->type_ids.size())
      throw Error("internal: malformed encoding");
    std::int32_t running = spec.pad_token_id;  // RoBERTa's cumulative position
    for (std::size_t i = 0; i < e->ids.size(); ++i) {
      const std::int32_t id = e->ids[i], type = e->type_ids[i];
      if (id < 0 || id >= spec.vocab_size)
        throw Error("token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                    std::to_string(spec.vocab_size) + " (tokenizer and model do not match)");
      if (type < 0 || type >= spec.type_vocab_size)
        throw Error("token type id " + std::to_string(type) + " is outside the model's " +
                    std::to_string(spec.type_vocab_size) + " token types");
      std::int32_t pos;
      if (spec.family == Family::Roberta) {
        // HF create_position_ids_from_input_ids: pads keep padding_idx.
        pos = id == spec.pad_token_id ? spec.pad_token_id : ++running;
      } else {
        pos = static_cast<std::int32_t>(i);
      }
      if (pos >= spec.max_position_embeddings)
        throw Error("pair of " + std::to_string(e->ids.size()) +
                    " tokens exceeds the model's position table");
      b.ids.push_back(id);
      b.type_ids.push_back(type);
      b.positions.push_back(pos);
    }
    b.offsets.push_back(static_cast<std::int32_t>(b.ids.size()));
  }
  return b;
}

std::vector<std::vector<std::size_t>> group_batches(const std::vector<std::size_t>& lengths,
                                                    std::size_t max_pairs,
                                                    std::size_t max_tokens) {
  std::vector<std::vector<std::size_t>> batches;
  std::vector<std::size_t> current;
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const bool full_pairs = max_pairs > 0 && current.size() >= max_pairs;
    const bool full_tokens = max_tokens > 0 && tokens + lengths[i] > max_tokens;
    if (!current.empty() && (full_pairs || full_tokens)) {
      batches.push_back(std::move(current));
      current.clear();
      tokens = 0;
    }
    current.push_back(i);
    tokens += lengths[i];
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

}  // namespace cappy
