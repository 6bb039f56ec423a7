// flax_model.msgpack (flax.serialization.to_bytes of the params tree) ->
// source tensors under HF's PyTorch names.
//
// Arrays are msgpack ext type 1 whose payload is msgpack (shape, dtype name,
// raw little-endian C-order bytes). Names map as HF's converter does: the
// path's keys joined with "." (an outer "params" key dropped), and the leaf
// renamed: kernel -> weight (a 2-D Dense kernel is stored [in, out] and read
// transposed), scale -> weight, embedding -> weight.
#pragma once

#include <string>

#include "convert/source_tensor.h"
#include "model/model_files.h"

namespace cappy {

void read_flax_checkpoint(const FileBytes& bytes, const std::string& origin, SourceCheckpoint* out);

}  // namespace cappy
