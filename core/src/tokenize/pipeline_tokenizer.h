// A tokenizer assembled from HF pipeline stages: added tokens, an optional
// normalizer, pre-tokenizers, then a word model (Unigram). This is how
// tokenizer.json describes sentencepiece-converted tokenizers (T5, XLM-R):
// Precompiled normalizer, WhitespaceSplit + Metaspace, Unigram.
#pragma once

#include <functional>
#include <memory>

#include "tokenize/added_tokens.h"
#include "tokenize/pipeline.h"
#include "tokenize/tokenizer.h"

namespace cappy {

class PipelineTokenizer final : public Tokenizer {
 public:
  // Appends the ids of one pre-tokenized word.
  using WordModel = std::function<void(std::string_view word, std::vector<std::int32_t>& out)>;

  PipelineTokenizer(std::unique_ptr<Normalizer> normalizer, std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers,
                    WordModel model, std::size_t model_size, std::vector<AddedToken> added_tokens,
                    PairTemplate pair_template, std::int32_t pad_id);

  std::vector<std::int32_t> encode(std::string_view text, std::vector<std::size_t>* word_ends) const override;
  const PairTemplate& pair_template() const override { return template_; }
  std::size_t vocab_size() const override { return vocab_size_; }
  std::int32_t pad_id() const override { return pad_id_; }

 private:
  std::string normalize(std::string_view text) const;
  // at_start: `text` begins at the start of the input (HF's offsets_original().0 == 0).
  void encode_text(std::string_view text, std::vector<std::int32_t>& out, std::vector<std::size_t>* word_ends,
                   bool at_start) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers_;
  WordModel model_;
  AddedVocabulary added_;
  PairTemplate template_;
  std::int32_t pad_id_;
  std::size_t vocab_size_;
};

}  // namespace cappy
