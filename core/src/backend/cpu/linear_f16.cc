// F16 weights widened to f32 panels inside the linear kernel.
#include <cstring>

#include "backend/cpu/linear_compact.h"
#include "backend/cpu/multiversion.h"

namespace cappy::cpu {

namespace {

// Branch-free half -> float (so the loop vectorizes): shifting the exponent
// and mantissa into float position and scaling by 2^112 re-biases normals and
// turns half subnormals into the right normal floats; inf/NaN are patched.
inline float half_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const std::uint32_t em = h & 0x7fff;
  std::uint32_t shifted = em << 13;
  float f;
  std::memcpy(&f, &shifted, 4);
  f *= 0x1p112f;
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (em >= 0x7c00) bits = 0x7f800000u | (em & 0x3ff) << 13;
  bits |= sign;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

CAPPY_MULTIVERSION
void unpack_panel_f16(const std::uint8_t* const* rows, int count, int in_features, float* panel) {
  unpack_panel_16bit(rows, count, in_features, panel, half_bits_to_float);
}

}  // namespace cappy::cpu
