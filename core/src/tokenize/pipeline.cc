#include "tokenize/pipeline.h"

#include "tokenize/unicode.h"
#include "util/utf8.h"

namespace cappy {
namespace {

// Decodes the character at `pos` of valid UTF-8 and advances pos.
char32_t next_char(std::string_view text, std::size_t& pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  const std::size_t length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  char32_t c = length == 1 ? b : length == 2 ? (b & 0x1F) : length == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t i = 1; i < length; ++i) c = (c << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  pos += length;
  return c;
}

}  // namespace

void WhitespaceSplit::split(std::vector<std::string>& words) const {
  std::vector<std::string> out;
  out.reserve(words.size() * 2);
  for (const std::string& word : words) {
    std::size_t begin = 0, pos = 0;
    while (pos < word.size()) {
      const std::size_t at = pos;
      const char32_t c = next_char(word, pos);
      if (unicode::is_white_space(c)) {
        if (at > begin) out.emplace_back(word, begin, at - begin);
        begin = pos;
      }
    }
    if (word.size() > begin) out.emplace_back(word, begin, word.size() - begin);
  }
  words = std::move(out);
}

void WhitespaceSplit::split_tracking_start(std::vector<std::string>& words, bool& first_at_start) const {
  // Leading whitespace is dropped: the first word then starts later.
  if (first_at_start && !words.empty()) {
    std::size_t pos = 0;
    if (unicode::is_white_space(next_char(words[0], pos))) first_at_start = false;
  }
  split(words);
}

Metaspace::Metaspace(char32_t replacement, Prepend prepend, bool split_words)
    : prepend_(prepend), split_words_(split_words) {
  append_utf8(replacement_, replacement);
}

void Metaspace::split(std::vector<std::string>& words) const {
  bool at_start = false;
  split_tracking_start(words, at_start);
}

void Metaspace::split_tracking_start(std::vector<std::string>& words, bool& first_at_start) const {
  std::vector<std::string> out;
  out.reserve(words.size());
  std::string replaced;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool prepend = prepend_ == Prepend::Always || (prepend_ == Prepend::First && i == 0 && first_at_start);
    replaced.clear();
    if (prepend && !word.starts_with(replacement_) && !word.starts_with(' ')) replaced = replacement_;
    for (const char ch : word) {
      if (ch == ' ') {
        replaced += replacement_;
      } else {
        replaced.push_back(ch);
      }
    }
    if (!split_words_) {
      if (!replaced.empty()) out.push_back(replaced);
      continue;
    }
    // MergedWithNext: each replacement starts a new piece.
    std::size_t begin = 0;
    for (std::size_t at = replaced.find(replacement_, 1); at != std::string::npos;
         at = replaced.find(replacement_, at + replacement_.size())) {
      if (at > begin) out.emplace_back(replaced, begin, at - begin);
      begin = at;
    }
    if (replaced.size() > begin) out.emplace_back(replaced, begin, replaced.size() - begin);
  }
  words = std::move(out);
}

std::string NormalizerSequence::normalize(std::string_view text) const {
  std::string current(text);
  for (const auto& step : steps_) current = step->normalize(current);
  return current;
}

}  // namespace cappy
