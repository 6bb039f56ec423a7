#include "weight_bytes.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cappy/cappy.h"

namespace cappy::vulkan {

namespace {

// The checkpoint dtype that holds exactly the device dtype's bytes.
bool same_bytes(plan::DType device, DType source) {
  return (device == plan::DType::F32 && source == DType::F32) ||
         (device == plan::DType::F16 && source == DType::F16) ||
         (device == plan::DType::Q8_0 && source == DType::Q8_0);
}

std::uint64_t device_bytes(plan::DType t, std::uint64_t n) {
  switch (t) {
    case plan::DType::F16: return 2 * n;
    case plan::DType::Q8_0: return n / kQ8BlockElems * kQ8BlockBytes;
    default: return 4 * n;
  }
}

}  // namespace

void weight_bytes(const plan::Buffer& buffer, const WeightStore& store, std::uint8_t* dst) {
  if (buffer.parts.empty() || buffer.shape.empty() || buffer.shape[0] % buffer.parts.size() != 0)
    throw Error("vulkan: weight buffer " + buffer.name + " has no whole parts");
  std::vector<std::int64_t> part_shape = buffer.shape;
  part_shape[0] /= static_cast<std::int64_t>(buffer.parts.size());
  std::uint64_t count = 1;
  for (auto d : part_shape) count *= static_cast<std::uint64_t>(d);
  if (buffer.dtype == plan::DType::Q8_0 && count % kQ8BlockElems != 0)
    throw Error("vulkan: weight " + buffer.name + " is not whole Q8_0 blocks");
  const std::uint64_t part_bytes = device_bytes(buffer.dtype, count);
  if (part_bytes * buffer.parts.size() > buffer.bytes)
    throw Error("vulkan: weight buffer " + buffer.name + " is smaller than its tensors");
  std::memset(dst, 0, buffer.bytes);

  std::vector<float> f32;
  for (std::size_t k = 0; k < buffer.parts.size(); ++k) {
    const TensorView& t = store.get(buffer.parts[k], part_shape);
    std::uint8_t* out = dst + k * part_bytes;
    if (same_bytes(buffer.dtype, t.dtype)) {
      std::memcpy(out, t.data, part_bytes);
      continue;
    }
    f32.resize(count);
    convert_to_f32(t, f32.data());
    switch (buffer.dtype) {
      case plan::DType::F32: std::memcpy(out, f32.data(), 4 * count); break;
      case plan::DType::F16:
        for (std::uint64_t i = 0; i < count; ++i) {
          // bf16 bundles run as f16: exact for every |w| <= 65504, the rest would be infinity.
          if (t.dtype == DType::BF16 && std::isfinite(f32[i]) && std::fabs(f32[i]) > 65504.0f)
            throw Error("vulkan: BF16 weight \"" + t.name + "\" holds " + std::to_string(f32[i]) +
                        ", outside f16's range (the GPU runs bf16 weights as f16): convert with "
                        "--dtype f16 or f32, or run on the CPU");
          const std::uint16_t h = float_to_half(f32[i]);
          std::memcpy(out + 2 * i, &h, 2);
        }
        break;
      case plan::DType::Q8_0:
        for (std::uint64_t b = 0; b < count / kQ8BlockElems; ++b)
          quantize_q8_block(f32.data() + b * kQ8BlockElems, out + b * kQ8BlockBytes);
        break;
      case plan::DType::I32: throw Error("vulkan: weight " + buffer.name + " planned as i32");
    }
  }
}

}  // namespace cappy::vulkan
