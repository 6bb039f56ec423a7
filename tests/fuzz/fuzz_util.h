// Shared by the fuzz targets: run a reader on the input and accept only a
// clean result or a cappy::Error; anything else (a crash, a sanitizer report,
// another exception type) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cappy/cappy.h"
#include "convert/source_tensor.h"
#include "model/model_files.h"

namespace cappy::fuzz {

// The input copied into an owned buffer (as a mapped file would be).
inline FileBytes owned(const std::uint8_t* data, std::size_t size) {
  auto buf = std::make_shared<const std::vector<std::uint8_t>>(data, data + size);
  return FileBytes{buf->data(), buf->size(), buf};
}

// Reads the values of every small tensor, so the view checks are exercised.
inline void touch(const SourceCheckpoint& c) {
  for (const auto& t : c.tensors)
    if (t.numel() <= (1 << 16)) (void)read_f32(t);
}

}  // namespace cappy::fuzz
