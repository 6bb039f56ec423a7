// GGML Q8_0 weights (blocks of 32: an f16 scale, 32 int8) widened to f32
// panels inside the linear kernel.
#include <cstring>

#include "backend/cpu/linear_compact.h"
#include "backend/cpu/multiversion.h"
#include "model/tensor.h"

namespace cappy::cpu {

CAPPY_MULTIVERSION
void unpack_panel_q8(const std::uint8_t* const* rows, int count, int in_features, float* panel) {
  const int blocks = in_features / static_cast<int>(kQ8BlockElems);
  for (int j = 0; j < kPanelWidth; ++j) {
    if (j >= count) {
      for (int k = 0; k < in_features; ++k) panel[k * kPanelWidth + j] = 0.0f;
      continue;
    }
    for (int b = 0; b < blocks; ++b) {
      const std::uint8_t* block = rows[j] + static_cast<std::size_t>(b) * kQ8BlockBytes;
      std::uint16_t dh;
      std::memcpy(&dh, block, 2);
      const float d = half_to_float(dh);
      const std::int8_t* q = reinterpret_cast<const std::int8_t*>(block + 2);
      float* dst = panel + static_cast<std::size_t>(b) * kQ8BlockElems * kPanelWidth + j;
      for (std::size_t i = 0; i < kQ8BlockElems; ++i) dst[i * kPanelWidth] = d * static_cast<float>(q[i]);
    }
  }
}

}  // namespace cappy::cpu
