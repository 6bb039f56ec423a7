// A small, zero-copy, bounds-checked MessagePack reader: enough for Flax's
// serialization (maps, arrays, strings, ints, bins, ext types), with limits on
// nesting and counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

constexpr int kMaxMsgpackDepth = 32;

struct MsgpackValue {
  enum class Type { Nil, Bool, Int, Float, Str, Bin, Array, Map, Ext } type = Type::Nil;
  std::int64_t i = 0;  // Bool, Int (uint64 above INT64_MAX is rejected)
  double f = 0;
  std::string_view bytes;  // Str, Bin, Ext payload
  std::int8_t ext_type = 0;
  std::vector<MsgpackValue> items;  // Array; Map: keys and values alternate
};

// Parses exactly one value covering all of [data, data+size). Throws
// cappy::Error naming `origin` on truncation, trailing bytes, reserved type
// bytes, counts that cannot fit, or nesting deeper than the limit.
MsgpackValue parse_msgpack(const std::uint8_t* data, std::size_t size, const std::string& origin);

}  // namespace cappy
