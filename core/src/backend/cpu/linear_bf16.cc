// BF16 weights widened to f32 panels inside the linear kernel (the widen
// kernel of bf16_gemm.h): a bf16 is the top half of an f32, so widening is a
// 16-bit shift, exact for every value (NaN and infinity included).
#include <cstring>

#include "backend/cpu/linear_compact.h"
#include "backend/cpu/multiversion.h"

namespace cappy::cpu {

CAPPY_MULTIVERSION
void unpack_panel_bf16(const std::uint8_t* const* rows, int count, int in_features, float* panel) {
  unpack_panel_16bit(rows, count, in_features, panel, [](std::uint16_t b) {
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  });
}

}  // namespace cappy::cpu
