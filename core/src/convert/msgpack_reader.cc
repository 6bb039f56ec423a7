#include "convert/msgpack_reader.h"

#include <cstring>

#include "cappy/cappy.h"

namespace cappy {

namespace {

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& origin)
      : p_(data), begin_(data), end_(data + size), origin_(origin) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(origin_ + ": msgpack: " + what + " (at byte " + std::to_string(p_ - begin_) + ")");
  }
  bool done() const { return p_ == end_; }

  std::uint64_t be(int n) {
    if (end_ - p_ < n) fail("truncated");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | p_[i];
    p_ += n;
    return v;
  }
  std::string_view bytes(std::uint64_t n) {
    if (static_cast<std::uint64_t>(end_ - p_) < n) fail("truncated: " + std::to_string(n) + " bytes claimed");
    std::string_view v(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return v;
  }
  // Each element takes at least one byte (two for a map entry).
  void check_count(std::uint64_t n, std::uint64_t min_bytes) const {
    if (n > static_cast<std::uint64_t>(end_ - p_) / min_bytes) fail("count " + std::to_string(n) + " exceeds the data");
  }

  MsgpackValue value(int depth) {
    if (depth > kMaxMsgpackDepth) fail("nesting deeper than " + std::to_string(kMaxMsgpackDepth));
    using T = MsgpackValue::Type;
    MsgpackValue v;
    const std::uint8_t b = static_cast<std::uint8_t>(be(1));
    auto array = [&](std::uint64_t n) {
      check_count(n, 1);
      v.type = T::Array;
      v.items.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t k = 0; k < n; ++k) v.items.push_back(value(depth + 1));
    };
    auto map = [&](std::uint64_t n) {
      check_count(n, 2);
      v.type = T::Map;
      v.items.reserve(static_cast<std::size_t>(2 * n));
      for (std::uint64_t k = 0; k < 2 * n; ++k) v.items.push_back(value(depth + 1));
    };
    auto ext = [&](std::uint64_t n) {
      v.type = T::Ext;
      v.ext_type = static_cast<std::int8_t>(be(1));
      v.bytes = bytes(n);
    };
    auto uint = [&](std::uint64_t u) {
      if (u > static_cast<std::uint64_t>(INT64_MAX)) fail("integer too large");
      v.type = T::Int;
      v.i = static_cast<std::int64_t>(u);
    };
    if (b <= 0x7f) uint(b);
    else if (b >= 0xe0) { v.type = T::Int; v.i = static_cast<std::int8_t>(b); }
    else if (b >= 0x80 && b <= 0x8f) map(b & 0x0f);
    else if (b >= 0x90 && b <= 0x9f) array(b & 0x0f);
    else if (b >= 0xa0 && b <= 0xbf) { v.type = T::Str; v.bytes = bytes(b & 0x1f); }
    else switch (b) {
      case 0xc0: break;
      case 0xc2: case 0xc3: v.type = T::Bool; v.i = b == 0xc3; break;
      case 0xc4: case 0xc5: case 0xc6: v.type = T::Bin; v.bytes = bytes(be(1 << (b - 0xc4))); break;
      case 0xc7: case 0xc8: case 0xc9: ext(be(1 << (b - 0xc7))); break;
      case 0xca: {
        const auto bits = static_cast<std::uint32_t>(be(4));
        float f;
        std::memcpy(&f, &bits, 4);
        v.type = T::Float;
        v.f = f;
        break;
      }
      case 0xcb: {
        const std::uint64_t bits = be(8);
        v.type = T::Float;
        std::memcpy(&v.f, &bits, 8);
        break;
      }
      case 0xcc: case 0xcd: case 0xce: case 0xcf: uint(be(1 << (b - 0xcc))); break;
      case 0xd0: v.type = T::Int; v.i = static_cast<std::int8_t>(be(1)); break;
      case 0xd1: v.type = T::Int; v.i = static_cast<std::int16_t>(be(2)); break;
      case 0xd2: v.type = T::Int; v.i = static_cast<std::int32_t>(be(4)); break;
      case 0xd3: v.type = T::Int; v.i = static_cast<std::int64_t>(be(8)); break;
      case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: ext(std::uint64_t{1} << (b - 0xd4)); break;
      case 0xd9: case 0xda: case 0xdb: v.type = T::Str; v.bytes = bytes(be(1 << (b - 0xd9))); break;
      case 0xdc: case 0xdd: array(be(b == 0xdc ? 2 : 4)); break;
      case 0xde: case 0xdf: map(be(b == 0xde ? 2 : 4)); break;
      default: --p_; fail("reserved type byte 0xc1");
    }
    return v;
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* begin_;
  const std::uint8_t* end_;
  const std::string& origin_;
};

}  // namespace

MsgpackValue parse_msgpack(const std::uint8_t* data, std::size_t size, const std::string& origin) {
  Reader r(data, size, origin);
  MsgpackValue v = r.value(0);
  if (!r.done()) r.fail("trailing bytes after the value");
  return v;
}

}  // namespace cappy
