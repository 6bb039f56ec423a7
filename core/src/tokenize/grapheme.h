// Extended grapheme clusters (UAX #29), which HF's Precompiled normalizer
// walks over. The rules are those of Unicode's GB3..GB13 except GB9c (the
// Indic conjunct rule of Unicode 15.1): the tables come from Debian's Unicode
// 15.0 data, which has no Indic_Conjunct_Break property. GB9c only joins
// clusters of at least three 3-byte characters, which Precompiled treats
// character by character anyway (it looks whole clusters up only below 6
// bytes), so its absence never changes a normalization.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cappy::unicode {

enum class GraphemeBreak : std::uint8_t {
  Other, CR, LF, Control, Extend, ZWJ, RegionalIndicator, Prepend,
  SpacingMark, L, V, T, LV, LVT, ExtendedPictographic,
};

GraphemeBreak grapheme_break(char32_t c);
const char* grapheme_tables_version();

// Byte offset where the grapheme cluster that starts at `begin` ends.
// `text` must be valid UTF-8 and begin < text.size() a character boundary.
std::size_t grapheme_end(std::string_view text, std::size_t begin);

}  // namespace cappy::unicode
