// Pair encodings as the rectangular tensors an exported graph (ONNX) takes:
// rows = pairs, cols = the longest pair, the rest of each row padded with
// pad_id and masked out (attention_mask 0). The core's own backends use
// PackedBatch (no padding); this is for engines outside the core
// (onnxruntime-web in the wasm module).
#pragma once

#include <cstdint>
#include <vector>

#include "cappy/cappy.h"

namespace cappy {

struct PaddedBatch {
  int rows = 0;
  int cols = 0;
  // Row-major [rows x cols] each.
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> attention_mask;
  std::vector<std::int32_t> token_type_ids;
};

// Throws cappy::Error on an empty list or an empty encoding.
PaddedBatch pad_batch(const std::vector<const Encoding*>& encodings, std::int32_t pad_id);

}  // namespace cappy
