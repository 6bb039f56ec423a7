// HF's BertNormalizer: clean_text, handle_chinese_chars, strip_accents and
// lowercase, applied in that order (normalizers/bert.rs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cappy {

struct BertNormalizer {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  std::optional<bool> strip_accents;  // unset: follows lowercase
  bool lowercase = true;

  std::u32string normalize(std::u32string_view text) const;
};

}  // namespace cappy
