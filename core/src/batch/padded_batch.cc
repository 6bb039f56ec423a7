#include "batch/padded_batch.h"

#include <algorithm>
#include <string>

namespace cappy {

PaddedBatch pad_batch(const std::vector<const Encoding*>& encodings, std::int32_t pad_id) {
  if (encodings.empty()) throw Error("pad_batch: no pairs");
  PaddedBatch b;
  b.rows = static_cast<int>(encodings.size());
  for (std::size_t p = 0; p < encodings.size(); ++p) {
    const Encoding& e = *encodings[p];
    if (e.ids.empty() || e.type_ids.size() != e.ids.size())
      throw Error("pad_batch: pair " + std::to_string(p) + " has " + std::to_string(e.ids.size()) + " ids and " +
                  std::to_string(e.type_ids.size()) + " type ids");
    b.cols = std::max(b.cols, static_cast<int>(e.ids.size()));
  }
  const std::size_t n = static_cast<std::size_t>(b.rows) * b.cols;
  b.input_ids.assign(n, pad_id);
  b.attention_mask.assign(n, 0);
  b.token_type_ids.assign(n, 0);
  for (std::size_t p = 0; p < encodings.size(); ++p) {
    const Encoding& e = *encodings[p];
    const std::size_t at = p * b.cols;
    std::copy(e.ids.begin(), e.ids.end(), b.input_ids.begin() + at);
    std::copy(e.type_ids.begin(), e.type_ids.end(), b.token_type_ids.begin() + at);
    std::fill_n(b.attention_mask.begin() + at, e.ids.size(), 1);
  }
  return b;
}

}  // namespace cappy
