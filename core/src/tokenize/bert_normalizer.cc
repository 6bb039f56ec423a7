#include "tokenize/bert_normalizer.h"

#include "tokenize/unicode.h"

namespace cappy {

std::u32string BertNormalizer::normalize(std::u32string_view text) const {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (clean_text) {
      if (c == 0 || c == 0xFFFD || unicode::bert_is_control(c)) continue;
      if (unicode::bert_is_whitespace(c)) c = U' ';
    }
    if (handle_chinese_chars && unicode::bert_is_chinese_char(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  if (strip_accents.value_or(lowercase)) {
    std::u32string decomposed = unicode::nfd(out);
    out.clear();
    for (char32_t c : decomposed) {
      if (!unicode::is_mark_nonspacing(c)) out.push_back(c);
    }
  }
  if (lowercase) {
    std::u32string lowered;
    lowered.reserve(out.size());
    for (char32_t c : out) unicode::append_lowercase(lowered, c);
    out = std::move(lowered);
  }
  return out;
}

}  // namespace cappy
