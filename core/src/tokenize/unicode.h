// Unicode character properties and mappings the tokenizers need, from the
// generated tables in unicode_tables.inc (tools/gen_unicode_tables.py). No ICU,
// so the core builds the same natively and for wasm.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cappy::unicode {

enum class GeneralCategory : std::uint8_t {
  Cn, Cc, Cf, Cs, Co,
  Lu, Ll, Lt, Lm, Lo,
  Mn, Mc, Me,
  Nd, Nl, No,
  Pc, Pd, Ps, Pe, Pi, Pf, Po,
  Sm, Sc, Sk, So,
  Zs, Zl, Zp,
};

GeneralCategory category(char32_t c);
const char* table_version();  // the Unicode version the tables come from

bool is_letter(char32_t c);         // \p{L}
bool is_number(char32_t c);         // \p{N}
bool is_white_space(char32_t c);    // White_Space: Rust char::is_whitespace, Oniguruma \s
bool is_punctuation(char32_t c);    // \p{P}
bool is_other(char32_t c);          // \p{C}: Cc Cf Cs Co Cn
bool is_mark_nonspacing(char32_t c);  // Mn
bool is_word_char(char32_t c);      // Rust regex \w, approximating Alphabetic by L + Nl + M

// BERT's character classes as HF tokenizers defines them (normalizers/bert.rs,
// pre_tokenizers/bert.rs).
bool bert_is_whitespace(char32_t c);   // \t \n \r or White_Space
bool bert_is_control(char32_t c);      // \p{C} except \t \n \r and unassigned (Cn), as HF
bool bert_is_punctuation(char32_t c);  // ASCII punctuation (incl. $+<=>^`|~) or \p{P}
bool bert_is_chinese_char(char32_t c);

std::uint8_t combining_class(char32_t c);

// Canonical decomposition (NFD) of a whole string: recursive decomposition,
// Hangul syllables, then canonical ordering of combining marks.
std::u32string nfd(std::u32string_view text);

// Full lowercase mapping of one character (Rust char::to_lowercase), appended.
void append_lowercase(std::u32string& out, char32_t c);

}  // namespace cappy::unicode
