// The GGUF container (version 2 and 3), as a checked, zero-copy view of its
// bytes: typed metadata key/values, tensor infos and an aligned data section.
//
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count
//   kv_count x   { string key, u32 type, value }
//   tensor_count x { string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type, u64 offset }
//   padding to general.alignment (default 32), then the tensor data
//
// Strings are u64 length + bytes. Dims are GGML's order (innermost first); the
// views returned here use PyTorch's row-major order (outermost first). Every
// length, count and offset is checked against the bytes before it is used, and
// nothing is allocated in proportion to a count the file merely claims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/tensor.h"

namespace cappy {

// Limits that keep a lying file from exhausting memory or time.
constexpr std::uint64_t kMaxGgufTensors = 1u << 16;
constexpr std::uint64_t kMaxGgufMetadata = 1u << 12;
constexpr std::uint64_t kMaxGgufKeyBytes = 1u << 10;
constexpr std::uint64_t kMaxGgufArrayElems = 1u << 28;
constexpr std::uint32_t kMaxGgufAlignment = 1u << 16;
constexpr std::uint32_t kMaxGgufDims = 4;  // GGML_MAX_DIMS

enum class GgufType : std::uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};

// GGML tensor types that map onto DType (the rest are rejected).
enum class GgmlType : std::uint32_t {
  F32 = 0, F16 = 1, Q8_0 = 8, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30,
};
bool dtype_to_ggml(DType t, GgmlType* out);

struct GgufValue {
  GgufType type = GgufType::U8;
  // Scalars (integers and BOOL widened to these, by signedness).
  std::uint64_t u = 0;
  std::int64_t i = 0;
  double f = 0;
  // STRING: the bytes (a view into the file).
  std::string_view str;
  // ARRAY: element type and count; numeric elements are `raw` (count x size,
  // little-endian), string elements are in `strings`.
  GgufType elem_type = GgufType::U8;
  std::uint64_t count = 0;
  std::string_view raw;
  std::vector<std::string_view> strings;
};

struct GgufFile {
  std::uint32_t version = 0;
  std::uint32_t alignment = 32;
  std::map<std::string, GgufValue> metadata;
  std::vector<TensorView> tensors;  // in file order, data pointing into the bytes
  std::uint64_t data_offset = 0;    // where the data section starts

  const GgufValue* find(const std::string& key) const;
  // The value of `key` as a string; throws cappy::Error naming `origin` and
  // the key when it is missing or of another type.
  std::string_view string(const std::string& key, const std::string& origin) const;
};

// Parses [data, data+size); `origin` names the file in errors. Throws
// cappy::Error on anything inconsistent: bad magic or version, truncation,
// counts over the limits, bad types, duplicate keys or names, bad alignment,
// dims that overflow or do not fit their type, offsets that are unaligned,
// outside the data section or overlapping.
GgufFile parse_gguf(const std::uint8_t* data, std::size_t size, const std::string& origin);

// True when the bytes start with the GGUF magic.
bool has_gguf_magic(const std::uint8_t* data, std::size_t size);

}  // namespace cappy
