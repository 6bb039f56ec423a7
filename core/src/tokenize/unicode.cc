#include "tokenize/unicode.h"

#include <algorithm>
#include <cstdint>

namespace cappy::unicode {
namespace {

struct CombiningRun {
  char32_t first, last;
  std::uint8_t ccc;
};
struct Decomposition {
  char32_t cp;
  std::uint16_t offset;
  std::uint8_t length;
};
struct LowercaseRun {
  char32_t first, last;
  std::uint8_t stride;
  std::int32_t delta;
};

#include "tokenize/unicode_tables.inc"

// Hangul syllable constants (Unicode 3.12, conjoining jamo behaviour).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = 11172;

// Last element whose key is <= c, or nullptr.
template <typename T, std::size_t N, typename Key>
const T* floor_entry(const T (&table)[N], char32_t c, Key key) {
  const T* it = std::upper_bound(std::begin(table), std::end(table), c,
                                 [&](char32_t value, const T& e) { return value < key(e); });
  return it == std::begin(table) ? nullptr : it - 1;
}

}  // namespace

const char* table_version() { return kUnicodeVersion; }

GeneralCategory category(char32_t c) {
  if (c >= 0x110000) return GeneralCategory::Cn;
  const std::uint32_t* e = floor_entry(kGeneralCategory, c, [](std::uint32_t v) { return v >> 5; });
  return static_cast<GeneralCategory>(*e & 31);
}

bool is_letter(char32_t c) {
  const auto g = category(c);
  return g >= GeneralCategory::Lu && g <= GeneralCategory::Lo;
}

bool is_number(char32_t c) {
  const auto g = category(c);
  return g >= GeneralCategory::Nd && g <= GeneralCategory::No;
}

bool is_punctuation(char32_t c) {
  const auto g = category(c);
  return g >= GeneralCategory::Pc && g <= GeneralCategory::Po;
}

bool is_other(char32_t c) { return category(c) <= GeneralCategory::Co; }

bool is_mark_nonspacing(char32_t c) { return category(c) == GeneralCategory::Mn; }

bool is_white_space(char32_t c) {
  for (const auto& range : kWhiteSpace) {
    if (c < range[0]) return false;
    if (c <= range[1]) return true;
  }
  return false;
}

bool is_word_char(char32_t c) {
  const auto g = category(c);
  return (g >= GeneralCategory::Lu && g <= GeneralCategory::Me) || g == GeneralCategory::Nd ||
         g == GeneralCategory::Nl || g == GeneralCategory::Pc || c == 0x200C || c == 0x200D;
}

bool bert_is_whitespace(char32_t c) {
  return c == '\t' || c == '\n' || c == '\r' || is_white_space(c);
}

bool bert_is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  // HF's is_control is the unicode_categories crate's is_other(), which has
  // no table for unassigned code points (Cn): those stay, as [UNK].
  return is_other(c) && category(c) != GeneralCategory::Cn;
}

bool bert_is_punctuation(char32_t c) {
  // Rust's char::is_ascii_punctuation also counts the ASCII symbols
  // ($ + < = > ^ ` | ~), which are not \p{P}.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return is_punctuation(c);
}

bool bert_is_chinese_char(char32_t c) {
  // HF tokenizers' ranges (normalizers/bert.rs); note 0x2B920, not BERT's
  // original 0x2B820, as the start of the fifth extension block.
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::uint8_t combining_class(char32_t c) {
  const CombiningRun* e = floor_entry(kCombiningClass, c, [](const CombiningRun& r) { return r.first; });
  return e != nullptr && c <= e->last ? e->ccc : 0;
}

std::u32string nfd(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size() + text.size() / 4);
  for (char32_t c : text) {
    if (c >= kSBase && c < kSBase + kSCount) {
      const char32_t s = c - kSBase;
      out.push_back(kLBase + s / kNCount);
      out.push_back(kVBase + (s % kNCount) / kTCount);
      if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
      continue;
    }
    const Decomposition* d = floor_entry(kDecomposition, c, [](const Decomposition& e) { return e.cp; });
    if (d != nullptr && d->cp == c) {
      out.append(kDecompositionPool + d->offset, d->length);
    } else {
      out.push_back(c);
    }
  }
  // Canonical ordering: each run of nonzero-class marks is stably sorted by
  // class. Runs are short, so insertion sort is the cheap choice.
  for (std::size_t i = 1; i < out.size(); ++i) {
    const std::uint8_t ccc = combining_class(out[i]);
    if (ccc == 0) continue;
    std::size_t j = i;
    while (j > 0) {
      const std::uint8_t prev = combining_class(out[j - 1]);
      if (prev == 0 || prev <= ccc) break;
      std::swap(out[j - 1], out[j]);
      --j;
    }
  }
  return out;
}

void append_lowercase(std::u32string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  const Decomposition* s = floor_entry(kLowercaseSpecial, c, [](const Decomposition& e) { return e.cp; });
  if (s != nullptr && s->cp == c) {
    out.append(kLowercaseSpecialPool + s->offset, s->length);
    return;
  }
  const LowercaseRun* r = floor_entry(kLowercaseRange, c, [](const LowercaseRun& e) { return e.first; });
  if (r != nullptr && c <= r->last && (c - r->first) % r->stride == 0) {
    out.push_back(static_cast<char32_t>(static_cast<std::int32_t>(c) + r->delta));
    return;
  }
  out.push_back(c);
}

}  // namespace cappy::unicode
