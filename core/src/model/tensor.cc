#include "model/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cappy/cappy.h"

namespace cappy {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  std::size_t size;  // 0: a block format
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "F32", 4}, {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
    {DType::F64, "F64", 8}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2}, {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1}, {DType::Q8_0, "Q8_0", 0},
};
}  // namespace

std::size_t dtype_size(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.size;
  return 0;
}

const char* dtype_name(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.name;
  return "?";
}

bool parse_dtype(const std::string& name, DType* out) {
  for (const auto& d : kDTypes)
    if (d.size != 0 && name == d.name) {
      *out = d.type;
      return true;
    }
  return false;
}

bool tensor_nbytes(DType t, const std::vector<std::int64_t>& shape, std::uint64_t* out) {
  std::uint64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) return false;
    const auto dim = static_cast<std::uint64_t>(d);
    if (dim != 0 && numel > (std::uint64_t{1} << 62) / dim) return false;
    numel *= dim;
  }
  if (t == DType::Q8_0) {
    if (shape.empty() || shape.back() % static_cast<std::int64_t>(kQ8BlockElems) != 0) return false;
    *out = numel / kQ8BlockElems * kQ8BlockBytes;
    return true;
  }
  *out = numel * dtype_size(t);
  return dtype_size(t) != 0;
}

std::int64_t TensorView::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f;
  std::uint32_t mant = h & 0x3ff;
  std::uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_float(std::uint16_t b) {
  std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::uint16_t float_to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000;
  const std::uint32_t exp = (x >> 23) & 0xff;
  std::uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));  // inf/nan
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00);  // overflow
  if (e <= 0) {
    if (e < -10) return static_cast<std::uint16_t>(sign);  // underflows to zero
    mant |= 0x800000;  // subnormal half: shift the implicit bit in
    const int shift = 14 - e;
    std::uint32_t h = mant >> shift;
    const std::uint32_t rest = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rest > half || (rest == half && (h & 1))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = static_cast<std::uint32_t>(e) << 10 | mant >> 13;
  const std::uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // may carry into the exponent: fine
  return static_cast<std::uint16_t>(sign | h);
}

namespace {

// q[i] = round(x[i] / d) (halves away from zero), clamped to [-127, 127].
void round_q8(const float* x, float d, std::int8_t* q) {
  const float inv = d > 0 ? 1.0f / d : 0.0f;
  for (std::size_t i = 0; i < kQ8BlockElems; ++i)
    q[i] = static_cast<std::int8_t>(std::clamp(std::lround(x[i] * inv), -127L, 127L));
}

double q8_error(const float* x, float d, const std::int8_t* q) {
  double e = 0;
  for (std::size_t i = 0; i < kQ8BlockElems; ++i) {
    const double r = static_cast<double>(x[i]) - static_cast<double>(d) * q[i];
    e += r * r;
  }
  return e;
}

}  // namespace

// Start from GGML's scale max|x| / 127 (as stored, in f16), then twice refit
// the scale to the rounded values by least squares (sum(x q) / sum(q q)) and
// round again; keep the candidate with the least squared error. Every step
// uses the scale as stored, so the rounding matches the f16 scale the readers
// multiply by. wasm/webgpu/dtypes.mjs mirrors this operation for operation.
void quantize_q8_block(const float* x, std::uint8_t* block) {
  float amax = 0;
  for (std::size_t i = 0; i < kQ8BlockElems; ++i) amax = std::max(amax, std::fabs(x[i]));
  float d = half_to_float(float_to_half(amax / 127.0f));
  std::int8_t q[kQ8BlockElems], best_q[kQ8BlockElems];
  round_q8(x, d, q);
  float best_d = d;
  double best_e = q8_error(x, d, q);
  std::memcpy(best_q, q, sizeof q);
  for (int step = 0; step < 2 && amax > 0; ++step) {
    double xq = 0, qq = 0;
    for (std::size_t i = 0; i < kQ8BlockElems; ++i) {
      xq += static_cast<double>(x[i]) * q[i];
      qq += static_cast<double>(q[i]) * q[i];
    }
    if (qq == 0) break;
    d = half_to_float(float_to_half(static_cast<float>(xq / qq)));
    if (!(d > 0)) break;
    round_q8(x, d, q);
    const double e = q8_error(x, d, q);
    if (e < best_e) {
      best_e = e;
      best_d = d;
      std::memcpy(best_q, q, sizeof q);
    }
  }
  const std::uint16_t dh = float_to_half(best_d);
  std::memcpy(block, &dh, 2);
  std::memcpy(block + 2, best_q, sizeof best_q);
}

void dequantize_q8_block(const std::uint8_t* block, float* out) {
  std::uint16_t dh;
  std::memcpy(&dh, block, 2);
  const float d = half_to_float(dh);
  for (std::size_t i = 0; i < kQ8BlockElems; ++i)
    out[i] = d * static_cast<float>(static_cast<std::int8_t>(block[2 + i]));
}

void convert_to_f32(const TensorView& t, float* out) {
  const std::size_t n = static_cast<std::size_t>(t.numel());
  switch (t.dtype) {
    case DType::F32:
      std::memcpy(out, t.data, n * 4);
      return;
    case DType::F16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      return;
    case DType::BF16:
      for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = bf16_to_float(h);
      }
      return;
    case DType::Q8_0:
      for (std::size_t b = 0; b < n / kQ8BlockElems; ++b)
        dequantize_q8_block(t.data + b * kQ8BlockBytes, out + b * kQ8BlockElems);
      return;
    default:
      throw Error(t.file + ": tensor \"" + t.name + "\" has dtype " + dtype_name(t.dtype) +
                  "; weights must be F32, F16, BF16 or Q8_0");
  }
}

}  // namespace cappy
