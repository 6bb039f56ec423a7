// Added and special tokens (<s>, [SEP], <mask>, ...) are cut out of the text
// before the model sees it, as HF's AddedVocabulary does: the leftmost, then
// longest, match wins, and lstrip / rstrip / single_word widen or veto it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

struct AddedToken {
  std::string content;
  std::int32_t id = -1;
  bool single_word = false;
  bool lstrip = false;   // also takes the whitespace before it
  bool rstrip = false;   // also takes the whitespace after it
  bool normalized = true;  // matched in the normalized text (else in the raw text)
  bool special = false;
};

// A span of text: either an added token (id >= 0) or text for the model.
struct TextPiece {
  std::size_t begin, end;  // byte offsets into the text that was split
  std::int32_t id = -1;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `patterns[i]` is the string searched for tokens[i] (its content, or its
  // normalized content for normalized tokens).
  AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns);

  bool empty() const { return tokens_.empty(); }

  // Covers `text` with pieces in order; an empty text gives one empty piece.
  std::vector<TextPiece> split(std::string_view text) const;

 private:
  std::vector<AddedToken> tokens_;
  std::vector<std::string> patterns_;
  // Token indices by first byte of their pattern, longest pattern first.
  std::vector<std::vector<std::uint32_t>> by_first_byte_;
};

// The two matchers of a tokenizer: tokens with normalized=false are matched
// in the raw text, the others in the normalized text.
struct AddedVocabulary {
  AddedTokenMatcher raw;
  AddedTokenMatcher normalized;
  std::vector<AddedToken> tokens;

  // `normalize` maps a token's content to its normalized form (identity when
  // the tokenizer has no normalizer).
  // HF's pipeline around a model: split out raw-text tokens, normalize the
  // text between them (`normalize` may be empty), split out normalized
  // tokens, and hand each remaining text to `encode_text`. Ids go to `out`.
  void encode(std::string_view text, const std::function<std::string(std::string_view)>& normalize,
              const std::function<void(std::string_view, std::vector<std::int32_t>&)>& encode_text,
              std::vector<std::int32_t>& out) const;

  static AddedVocabulary build(std::vector<AddedToken> tokens,
                               const std::function<std::string(std::string_view)>& normalize);
};

}  // namespace cappy
