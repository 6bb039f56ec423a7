#include "convert/source_tensor.h"

#include <cstring>

#include "cappy/cappy.h"

namespace cappy {

std::int64_t SourceTensor::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::vector<std::int64_t> contiguous_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

void check_view_bounds(const SourceTensor& t, std::uint64_t storage_elems) {
  const std::string where = t.origin + ": tensor \"" + t.name + "\"";
  if (t.strides.size() != t.shape.size())
    throw Error(where + ": " + std::to_string(t.strides.size()) + " strides for rank " +
                std::to_string(t.shape.size()));
  std::uint64_t last = 0;  // largest element index addressed
  bool empty = false;
  for (std::size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] < 0 || t.strides[i] < 0 || t.shape[i] > (std::int64_t{1} << 40) ||
        t.strides[i] > (std::int64_t{1} << 40))
      throw Error(where + ": shape " + shape_text(t.shape) + " or strides " + shape_text(t.strides) +
                  " out of range");
    if (t.shape[i] == 0) empty = true;
    else last += static_cast<std::uint64_t>(t.shape[i] - 1) * static_cast<std::uint64_t>(t.strides[i]);
  }
  if (!empty && last >= storage_elems)
    throw Error(where + ": shape " + shape_text(t.shape) + " with strides " + shape_text(t.strides) +
                " reaches element " + std::to_string(last) + " of a storage of " +
                std::to_string(storage_elems) + " elements");
}

namespace {

float element_f32(DType dtype, const std::uint8_t* p) {
  switch (dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case DType::F64: {
      double d;
      std::memcpy(&d, p, 8);
      return static_cast<float>(d);
    }
    case DType::F16: {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      return half_to_float(h);
    }
    case DType::BF16: {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      return bf16_to_float(h);
    }
    default:
      return 0;
  }
}

}  // namespace

std::vector<float> read_f32(const SourceTensor& t) {
  if (t.dtype != DType::F32 && t.dtype != DType::F16 && t.dtype != DType::BF16 && t.dtype != DType::F64)
    throw Error(t.origin + ": tensor \"" + t.name + "\" has dtype " + dtype_name(t.dtype) +
                "; weights must be floating point (F32, F16, BF16, F64)");
  const std::size_t esize = dtype_size(t.dtype);
  const std::size_t n = static_cast<std::size_t>(t.numel());
  std::vector<float> out(n);
  if (n == 0) return out;
  const std::size_t rank = t.shape.size();
  if (t.strides == contiguous_strides(t.shape)) {
    for (std::size_t i = 0; i < n; ++i) out[i] = element_f32(t.dtype, t.storage + i * esize);
    return out;
  }
  // Odometer over the index tuple: the innermost dim moves fastest.
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = element_f32(t.dtype, t.storage + static_cast<std::size_t>(offset) * esize);
    for (std::size_t d = rank; d-- > 0;) {
      if (++index[d] < t.shape[d]) {
        offset += t.strides[d];
        break;
      }
      offset -= (t.shape[d] - 1) * t.strides[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace cappy
