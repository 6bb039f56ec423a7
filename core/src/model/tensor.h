// A typed, shaped view of weight bytes that live elsewhere (a mapped file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cappy {

enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL };

// Bytes per element; the name as safetensors writes it.
std::size_t dtype_size(DType t);
const char* dtype_name(DType t);
bool parse_dtype(const std::string& name, DType* out);

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  const std::uint8_t* data = nullptr;
  std::size_t nbytes = 0;
  std::string file;  // where it came from, for error messages

  std::int64_t numel() const;
};

std::string shape_text(const std::vector<std::int64_t>& shape);

// Widens F32/F16/BF16 data to f32 (into `out`, numel floats). Other dtypes
// throw cappy::Error naming the tensor.
void convert_to_f32(const TensorView& t, float* out);

// IEEE half and bfloat16 -> float.
float half_to_float(std::uint16_t h);
float bf16_to_float(std::uint16_t b);

}  // namespace cappy
