// A plan's weight buffer as the bytes the kernels read: its checkpoint
// tensors concatenated along dim 0, converted from how the checkpoint stores
// them (F32/F16/BF16/Q8_0) to the plan's device dtype (f32, f16 or Q8_0
// blocks, quantized exactly as `cappy convert` does).
#pragma once

#include <cstdint>

#include "backend/plan/plan.h"
#include "model/weight_store.h"

namespace cappy::vulkan {

// Writes the buffer's storage bytes (plan::Buffer::bytes, zero-padded) to
// dst. Throws cappy::Error naming the tensor when it is missing or its shape
// differs from what the model needs.
void weight_bytes(const plan::Buffer& buffer, const WeightStore& store, std::uint8_t* dst);

}  // namespace cappy::vulkan
