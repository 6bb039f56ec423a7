// A tensor of a checkpoint being converted: a typed view of its storage with
// element strides, so that PyTorch views (non-contiguous, offset into a shared
// storage) and Flax kernels (stored transposed) are read without copies until
// the converter asks for the values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace cappy {

struct SourceTensor {
  std::string name;  // the HF (PyTorch) name
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;    // HF order
  std::vector<std::int64_t> strides;  // in elements, one per dim
  const std::uint8_t* storage = nullptr;  // element 0 of the view (offset applied)
  std::string origin;                     // file, for errors

  std::int64_t numel() const;
};

// Row-major strides of a shape.
std::vector<std::int64_t> contiguous_strides(const std::vector<std::int64_t>& shape);

// Checks that every element the view addresses lies inside `storage_elems`
// elements starting at the view's base; throws cappy::Error naming the tensor.
void check_view_bounds(const SourceTensor& t, std::uint64_t storage_elems);

// The values in row-major order of `shape`, widened to f32 (F32, F16, BF16,
// F64). Other dtypes throw cappy::Error naming the tensor.
std::vector<float> read_f32(const SourceTensor& t);

// The tensors of a checkpoint, with what keeps their bytes alive.
struct SourceCheckpoint {
  std::string format;  // "safetensors", "pytorch", "flax"
  std::vector<SourceTensor> tensors;
  std::vector<std::shared_ptr<const void>> owners;
};

}  // namespace cappy
