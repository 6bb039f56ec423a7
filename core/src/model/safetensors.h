// The safetensors format: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the data. Every field is checked before a byte of data is used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace cappy {

// Limits that keep a lying header from exhausting memory.
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100u << 20;
constexpr std::size_t kMaxTensorRank = 8;

// Parses the header of a safetensors file whose bytes are [data, data+size).
// Returns one view per tensor, pointing into those bytes. `origin` names the
// file in errors. Throws cappy::Error on any inconsistency: short file, bad
// length, malformed JSON, unknown dtype, bad shape, offsets out of range,
// overlapping or size-mismatched tensors.
std::vector<TensorView> parse_safetensors(const std::uint8_t* data, std::size_t size,
                                          const std::string& origin);

}  // namespace cappy
