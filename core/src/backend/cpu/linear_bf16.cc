// BF16 weights widened to f32 panels inside the linear kernel (the widen
// kernel of bf16_gemm.h): a bf16 is the top half of an f32, so widening is a
// 16-bit shift, exact for every value (NaN and infinity included).
#include <cstring>

#include "backend/cpu/linear_compact.h"
#include "backend/cpu/multiversion.h"

namespace cappy::cpu {

CAPPY_MULTIVERSION
void unpack_panel_bf16(const std::uint8_t* const* rows, int count, int in_features, float* panel) {
  for (int j = 0; j < kPanelWidth; ++j) {
    if (j >= count) {
      for (int k = 0; k < in_features; ++k) panel[k * kPanelWidth + j] = 0.0f;
      continue;
    }
    const std::uint8_t* row = rows[j];
    for (int k = 0; k < in_features; ++k) {
      std::uint16_t b;
      std::memcpy(&b, row + 2 * k, 2);
      const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
      std::memcpy(&panel[k * kPanelWidth + j], &bits, 4);
    }
  }
}

}  // namespace cappy::cpu
