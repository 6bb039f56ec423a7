#include "tokenize/wordpiece_tokenizer.h"

#include <algorithm>

#include "tokenize/bert_pretokenizer.h"
#include "util/utf8.h"

namespace cappy {

WordPieceTokenizer::WordPieceTokenizer(WordPieceModel model, std::optional<BertNormalizer> normalizer,
                                       std::vector<AddedToken> added_tokens, PairTemplate pair_template,
                                       std::int32_t pad_id)
    : model_(std::move(model)),
      normalizer_(normalizer),
      template_(std::move(pair_template)),
      pad_id_(pad_id),
      vocab_size_(model_.vocab().size()) {
  for (const AddedToken& token : added_tokens) {
    vocab_size_ = std::max(vocab_size_, static_cast<std::size_t>(token.id) + 1);
  }
  added_ = AddedVocabulary::build(std::move(added_tokens),
                                  [this](std::string_view s) { return normalize(s); });
}

std::string WordPieceTokenizer::normalize(std::string_view text) const {
  if (!normalizer_) return std::string(text);
  return encode_utf8(normalizer_->normalize(decode_utf8(text)));
}

std::vector<std::int32_t> WordPieceTokenizer::encode(std::string_view text, std::vector<std::size_t>* word_ends) const {
  validate_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 4 + 4);
  added_.encode(
      text, [this](std::string_view s) { return normalize(s); },
      [this, word_ends](std::string_view piece, std::vector<std::int32_t>& out) { encode_text(piece, out, word_ends); },
      ids);
  return ids;
}

void WordPieceTokenizer::encode_text(std::string_view text, std::vector<std::int32_t>& out,
                                     std::vector<std::size_t>* word_ends) const {
  const std::u32string cps = decode_utf8(text);
  std::string word;
  for (std::u32string_view w : bert_pre_tokenize(cps)) {
    word.clear();
    for (char32_t c : w) append_utf8(word, c);
    model_.encode_word(word, out);
    if (word_ends) word_ends->push_back(out.size());
  }
}

}  // namespace cappy
