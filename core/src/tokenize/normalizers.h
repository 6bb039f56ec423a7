// Small HF normalizers that sentencepiece-converted tokenizer.json files
// chain after Precompiled (XLM-R: Replace(" {2,}", " ")): Replace with a
// literal pattern or a regex of one character repeated ("c{n,}", "c+"), and
// Strip. Other regexes are refused at load time, never approximated.
#pragma once

#include <string>
#include <string_view>

#include "tokenize/pipeline.h"

namespace cappy {

class ReplaceNormalizer final : public Normalizer {
 public:
  // Every occurrence of `pattern` (non-overlapping, leftmost first) becomes `content`.
  static ReplaceNormalizer literal(std::string pattern, std::string content);
  // Every run of at least `min_repeat` copies of `repeated` (one character)
  // becomes `content`.
  static ReplaceNormalizer run(std::string repeated, std::size_t min_repeat, std::string content);
  // HF's {"Regex": ...} for the forms above; returns false for any other regex.
  static bool parse_regex(std::string_view regex, std::string& repeated, std::size_t& min_repeat);

  std::string normalize(std::string_view text) const override;

 private:
  std::string pattern_, content_;
  std::size_t min_repeat_ = 0;  // 0: literal pattern
};

// HF's Strip: removes White_Space characters at the start and/or the end.
class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string_view text) const override;

 private:
  bool left_, right_;
};

}  // namespace cappy
