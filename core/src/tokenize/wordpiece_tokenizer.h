// The BERT tokenizer: added tokens, BertNormalizer, BertPreTokenizer, then
// WordPiece.
#pragma once

#include <optional>

#include "tokenize/added_tokens.h"
#include "tokenize/bert_normalizer.h"
#include "tokenize/tokenizer.h"
#include "tokenize/wordpiece_model.h"

namespace cappy {

class WordPieceTokenizer final : public Tokenizer {
 public:
  // normalizer: unset when the tokenizer.json has none.
  WordPieceTokenizer(WordPieceModel model, std::optional<BertNormalizer> normalizer,
                     std::vector<AddedToken> added_tokens, PairTemplate pair_template, std::int32_t pad_id);

  std::vector<std::int32_t> encode(std::string_view text, std::vector<std::size_t>* word_ends) const override;
  const PairTemplate& pair_template() const override { return template_; }
  std::size_t vocab_size() const override { return vocab_size_; }
  std::int32_t pad_id() const override { return pad_id_; }

 private:
  std::string normalize(std::string_view text) const;
  void encode_text(std::string_view text, std::vector<std::int32_t>& out, std::vector<std::size_t>* word_ends) const;

  WordPieceModel model_;
  std::optional<BertNormalizer> normalizer_;
  AddedVocabulary added_;
  PairTemplate template_;
  std::int32_t pad_id_;
  std::size_t vocab_size_;
};

}  // namespace cappy
