// Finds and opens the weights of an HF checkpoint in any format it may come
// in, preferring safetensors, then PyTorch, then Flax.
#pragma once

#include "convert/source_tensor.h"
#include "model/model_files.h"

namespace cappy {

// model.safetensors (or its sharded index), pytorch_model.bin (or
// pytorch_model.bin.index.json) or flax_model.msgpack. Throws cappy::Error
// naming the directory when it has none of them.
SourceCheckpoint open_source_checkpoint(const ModelFiles& files);

}  // namespace cappy
