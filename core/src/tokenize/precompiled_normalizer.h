// HF's Precompiled normalizer: sentencepiece's precompiled_charsmap, a
// darts-clone double-array trie from UTF-8 byte sequences to offsets of
// NUL-terminated replacement strings that follow it, applied as HF's
// normalizers/precompiled.rs does: per extended grapheme cluster, a cluster
// shorter than 6 bytes is looked up whole, otherwise (or when the whole cluster
// has no entry) each character is looked up alone. A lookup takes the value
// of the SHORTEST key that is a prefix of the looked-up bytes (spm_precompiled's
// transform), so a cluster whose first character has an entry becomes that
// character's replacement only; HF keeps this to match its reference outputs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

class PrecompiledNormalizer {
 public:
  // `charsmap`: the decoded bytes (tokenizer.json stores them base64).
  // Throws Error prefixed with `origin` when the blob is malformed.
  PrecompiledNormalizer(std::string_view charsmap, const std::string& origin);

  // `text` must be valid UTF-8.
  std::string normalize(std::string_view text) const;

  // The replacement of the shortest entry that prefixes `bytes`, if any.
  std::optional<std::string_view> transform(std::string_view bytes) const;

 private:
  std::vector<std::uint32_t> trie_;
  std::string strings_;  // NUL-terminated replacements
  std::string origin_;
  // Lookup results of single ASCII characters: the common case, precomputed.
  struct AsciiEntry {
    bool mapped = false;
    std::string_view replacement;
  };
  std::array<AsciiEntry, 128> ascii_{};
};

}  // namespace cappy
