#include "tokenize/bert_pretokenizer.h"

#include "tokenize/unicode.h"

namespace cappy {

std::vector<std::u32string_view> bert_pre_tokenize(std::u32string_view text) {
  std::vector<std::u32string_view> words;
  std::size_t start = 0;
  const auto flush = [&](std::size_t end) {
    if (end > start) words.push_back(text.substr(start, end - start));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (unicode::is_white_space(c)) {
      flush(i);
      start = i + 1;
    } else if (unicode::bert_is_punctuation(c)) {
      flush(i);
      words.push_back(text.substr(i, 1));
      start = i + 1;
    }
  }
  flush(text.size());
  return words;
}

}  // namespace cappy
