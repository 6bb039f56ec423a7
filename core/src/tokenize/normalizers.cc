#include "tokenize/normalizers.h"

#include "tokenize/unicode.h"
#include "util/utf8.h"

namespace cappy {

ReplaceNormalizer ReplaceNormalizer::literal(std::string pattern, std::string content) {
  ReplaceNormalizer r;
  r.pattern_ = std::move(pattern);
  r.content_ = std::move(content);
  return r;
}

ReplaceNormalizer ReplaceNormalizer::run(std::string repeated, std::size_t min_repeat, std::string content) {
  ReplaceNormalizer r;
  r.pattern_ = std::move(repeated);
  r.min_repeat_ = min_repeat;
  r.content_ = std::move(content);
  return r;
}

bool ReplaceNormalizer::parse_regex(std::string_view regex, std::string& repeated, std::size_t& min_repeat) {
  // One character: a plain one, or an escaped punctuation character.
  std::size_t at = 0;
  if (regex.empty()) return false;
  if (regex[0] == '\\') {
    if (regex.size() < 2 || std::isalnum(static_cast<unsigned char>(regex[1]))) return false;
    repeated = std::string(1, regex[1]);
    at = 2;
  } else {
    const auto lead = static_cast<unsigned char>(regex[0]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (length > regex.size()) return false;
    if (length == 1 && std::string_view(".^$|?*+()[]{}").find(regex[0]) != std::string_view::npos) return false;
    repeated = std::string(regex.substr(0, length));
    at = length;
  }
  const std::string_view quantifier = regex.substr(at);
  if (quantifier == "+") {
    min_repeat = 1;
    return true;
  }
  if (quantifier.size() >= 4 && quantifier.front() == '{' && quantifier.ends_with(",}")) {
    const std::string_view digits = quantifier.substr(1, quantifier.size() - 3);
    if (digits.empty() || digits.size() > 4) return false;
    std::size_t n = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n == 0) return false;
    min_repeat = n;
    return true;
  }
  return false;
}

std::string ReplaceNormalizer::normalize(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  if (pattern_.empty()) return std::string(text);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t found = text.find(pattern_, pos);
    if (found == std::string_view::npos) break;
    std::size_t end = found + pattern_.size();
    std::size_t copies = 1;
    if (min_repeat_ > 0) {
      while (text.substr(end).starts_with(pattern_)) {
        end += pattern_.size();
        ++copies;
      }
    }
    if (min_repeat_ == 0 || copies >= min_repeat_) {
      out.append(text.substr(pos, found - pos));
      out.append(content_);
    } else {
      out.append(text.substr(pos, end - pos));
    }
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

std::string StripNormalizer::normalize(std::string_view text) const {
  const std::u32string cps = decode_utf8(text);
  std::size_t begin = 0, end = cps.size();
  if (left_) {
    while (begin < end && unicode::is_white_space(cps[begin])) ++begin;
  }
  if (right_) {
    while (end > begin && unicode::is_white_space(cps[end - 1])) --end;
  }
  return encode_utf8(std::u32string_view(cps).substr(begin, end - begin));
}

}  // namespace cappy
