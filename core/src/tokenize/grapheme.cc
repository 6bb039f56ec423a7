#include "tokenize/grapheme.h"

#include <algorithm>

namespace cappy::unicode {
namespace {

struct GraphemeRange {
  char32_t first, last;
  std::uint8_t property;
};

#include "tokenize/grapheme_tables.inc"

// Decodes the character at `pos` of valid UTF-8; returns it and moves pos.
char32_t next_char(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b = byte(pos);
  if (b < 0x80) {
    pos += 1;
    return b;
  }
  if (b < 0xE0) {
    const char32_t c = ((b & 0x1Fu) << 6) | (byte(pos + 1) & 0x3Fu);
    pos += 2;
    return c;
  }
  if (b < 0xF0) {
    const char32_t c = ((b & 0x0Fu) << 12) | ((byte(pos + 1) & 0x3Fu) << 6) | (byte(pos + 2) & 0x3Fu);
    pos += 3;
    return c;
  }
  const char32_t c = ((b & 0x07u) << 18) | ((byte(pos + 1) & 0x3Fu) << 12) | ((byte(pos + 2) & 0x3Fu) << 6) |
                     (byte(pos + 3) & 0x3Fu);
  pos += 4;
  return c;
}

using GB = GraphemeBreak;

bool is_control_like(GB p) { return p == GB::CR || p == GB::LF || p == GB::Control; }

}  // namespace

const char* grapheme_tables_version() { return kGraphemeTablesVersion; }

GraphemeBreak grapheme_break(char32_t c) {
  if (c >= 0x20 && c < 0x7F) return GB::Other;  // printable ASCII, the common case
  const auto it = std::upper_bound(std::begin(kGraphemeBreak), std::end(kGraphemeBreak), c,
                                   [](char32_t x, const GraphemeRange& r) { return x < r.first; });
  if (it == std::begin(kGraphemeBreak)) return GB::Other;
  const GraphemeRange& r = *(it - 1);
  return c <= r.last ? static_cast<GB>(r.property) : GB::Other;
}

std::size_t grapheme_end(std::string_view text, std::size_t begin) {
  std::size_t pos = begin;
  GB prev = grapheme_break(next_char(text, pos));
  // GB11 state: 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ, else 0.
  int pictographic = prev == GB::ExtendedPictographic ? 1 : 0;
  // GB12/13: regional indicators seen in a row before the current position.
  int regional_run = prev == GB::RegionalIndicator ? 1 : 0;
  while (pos < text.size()) {
    std::size_t after = pos;
    const GB next = grapheme_break(next_char(text, after));
    bool join;
    if (prev == GB::CR && next == GB::LF) {
      join = true;                                                    // GB3
    } else if (is_control_like(prev) || is_control_like(next)) {
      join = false;                                                   // GB4, GB5
    } else if (prev == GB::L && (next == GB::L || next == GB::V || next == GB::LV || next == GB::LVT)) {
      join = true;                                                    // GB6
    } else if ((prev == GB::LV || prev == GB::V) && (next == GB::V || next == GB::T)) {
      join = true;                                                    // GB7
    } else if ((prev == GB::LVT || prev == GB::T) && next == GB::T) {
      join = true;                                                    // GB8
    } else if (next == GB::Extend || next == GB::ZWJ || next == GB::SpacingMark || prev == GB::Prepend) {
      join = true;                                                    // GB9, GB9a, GB9b
    } else if (next == GB::ExtendedPictographic && pictographic == 2) {
      join = true;                                                    // GB11
    } else if (prev == GB::RegionalIndicator && next == GB::RegionalIndicator) {
      join = regional_run % 2 == 1;                                   // GB12, GB13
    } else {
      join = false;                                                   // GB999
    }
    if (!join) break;
    if (next == GB::ExtendedPictographic) {
      pictographic = 1;
    } else if (pictographic == 1 && next == GB::Extend) {
      pictographic = 1;
    } else if (pictographic == 1 && next == GB::ZWJ) {
      pictographic = 2;
    } else {
      pictographic = 0;
    }
    regional_run = next == GB::RegionalIndicator ? regional_run + 1 : 0;
    prev = next;
    pos = after;
  }
  return pos;
}

}  // namespace cappy::unicode
