// The RoBERTa / GPT-2 tokenizer: added tokens, then HF's ByteLevel
// pre-tokenizer (optional prefix space, GPT-2's split regex), then byte-level
// BPE. No normalizer.
#pragma once

#include "tokenize/added_tokens.h"
#include "tokenize/bpe_model.h"
#include "tokenize/tokenizer.h"

namespace cappy {

class ByteLevelBpeTokenizer final : public Tokenizer {
 public:
  struct Options {
    bool add_prefix_space = false;  // a space before each text piece that lacks one
    bool use_regex = true;          // split with GPT-2's regex (else a piece is one word)
  };

  ByteLevelBpeTokenizer(BpeModel model, std::vector<AddedToken> added_tokens, PairTemplate pair_template,
                        Options options, std::int32_t pad_id);

  std::vector<std::int32_t> encode(std::string_view text, std::vector<std::size_t>* word_ends) const override;
  const PairTemplate& pair_template() const override { return template_; }
  std::size_t vocab_size() const override { return vocab_size_; }
  std::int32_t pad_id() const override { return pad_id_; }

 private:
  void encode_text(std::string_view text, std::vector<std::int32_t>& out, std::vector<std::size_t>* word_ends) const;

  BpeModel model_;
  AddedVocabulary added_;
  PairTemplate template_;
  Options options_;
  std::int32_t pad_id_;
  std::size_t vocab_size_;
};

}  // namespace cappy
