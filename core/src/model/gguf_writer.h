// Writes GGUF version 3 files (see gguf.h for the layout). Tensor bytes are
// produced one tensor at a time while the data section is written, so a
// conversion holds at most one converted tensor in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace cappy {

class GgufWriter {
 public:
  // Fills the tensor's bytes (exactly tensor_nbytes of its shape and dtype).
  using Fill = std::function<void(std::uint8_t* out)>;
  // Called after each tensor is written: (tensors done, tensors in all).
  using Progress = std::function<void(std::size_t done, std::size_t total)>;

  explicit GgufWriter(std::uint32_t alignment = 32);

  void add_string(const std::string& key, const std::string& value);
  void add_u32(const std::string& key, std::uint32_t value);
  void add_bytes(const std::string& key, const std::vector<std::uint8_t>& value);  // ARRAY of U8

  // shape in row-major (PyTorch) order; throws cappy::Error when the dtype
  // has no GGML type or the shape does not fit it.
  void add_tensor(const std::string& name, DType dtype, std::vector<std::int64_t> shape, Fill fill);

  // Writes the whole file to `out`; throws cappy::Error on a stream failure.
  void write(std::ostream& out, const Progress& progress = {}) const;
  // Writes to `path` through a temporary file renamed into place, so a failed
  // conversion never leaves a half-written bundle behind.
  void write_file(const std::string& path, const Progress& progress = {}) const;
  std::vector<std::uint8_t> write_memory() const;

 private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<std::int64_t> shape;
    std::uint64_t nbytes, offset;
    Fill fill;
  };
  std::uint32_t alignment_;
  std::string metadata_;  // encoded key/values
  std::uint64_t kv_count_ = 0;
  std::vector<Tensor> tensors_;
  std::uint64_t data_bytes_ = 0;
};

}  // namespace cappy
