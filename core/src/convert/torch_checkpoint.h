// pytorch_model.bin (torch.save's zip format) -> source tensors viewing the
// archive's stored storages in place.
#pragma once

#include <string>

#include "convert/source_tensor.h"
#include "model/model_files.h"

namespace cappy {

// Adds the tensors of one torch.save'd state dict (the file's bytes, which
// `bytes.owner` keeps alive) to `out`. Throws cappy::Error naming `origin`.
void read_torch_checkpoint(const FileBytes& bytes, const std::string& origin, SourceCheckpoint* out);

}  // namespace cappy
