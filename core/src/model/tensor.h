// A typed, shaped view of weight bytes that live elsewhere (a mapped file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cappy {

// Q8_0 is GGML's block format (bundles only): every run of 32 consecutive
// elements of a row is one 34-byte block, an f16 scale d then 32 int8 q, and
// element i of the block is d * q[i]. The innermost dimension must be a
// multiple of 32.
enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, Q8_0 };

constexpr std::size_t kQ8BlockElems = 32;
constexpr std::size_t kQ8BlockBytes = 34;

// Bytes per element (0 for block formats); the name as safetensors writes it
// ("Q8_0" for the block format, which safetensors never holds).
std::size_t dtype_size(DType t);
const char* dtype_name(DType t);
// Element dtypes only: safetensors has no block formats.
bool parse_dtype(const std::string& name, DType* out);
// Bytes of a tensor of `shape` in dtype t; false when the shape does not fit
// the dtype (Q8_0 needs an innermost dimension that is a multiple of 32) or
// the size overflows.
bool tensor_nbytes(DType t, const std::vector<std::int64_t>& shape, std::uint64_t* out);

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

// Widens F32/F16/BF16/Q8_0 data to f32 (into `out`, numel floats). Other
// dtypes throw cappy::Error naming the tensor.
void convert_to_f32(const TensorView& t, float* out);

// IEEE half and bfloat16 -> float.
float half_to_float(std::uint16_t h);
float bf16_to_float(std::uint16_t b);
// float -> IEEE half, rounding to nearest even; overflow gives infinity.
std::uint16_t float_to_half(float f);
// float -> bfloat16 (the top 16 bits of the float), rounding to nearest even;
// NaN stays a (quiet) NaN, overflow past bf16's largest finite gives infinity.
// Inline and branch-free so that loops over it vectorize.
inline std::uint16_t float_to_bf16(float f) {
  std::uint32_t x;
  __builtin_memcpy(&x, &f, 4);
  // Adding 0x7fff plus the kept part's lowest bit rounds halves to even; a
  // carry out of the mantissa correctly bumps the exponent (up to infinity).
  const std::uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
  const std::uint32_t nan = x >> 16 | 0x40u;
  return static_cast<std::uint16_t>((x & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

// One Q8_0 block: 32 floats -> 34 bytes (scale = max|x| / 127, GGML's rule),
// and back.
void quantize_q8_block(const float* x, std::uint8_t* block);
void dequantize_q8_block(const std::uint8_t* block, float* out);

}  // namespace cappy
