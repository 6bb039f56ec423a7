#include "tokenize/pipeline_tokenizer.h"

#include <algorithm>

#include "util/utf8.h"

namespace cappy {

PipelineTokenizer::PipelineTokenizer(std::unique_ptr<Normalizer> normalizer,
                                     std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers, WordModel model,
                                     std::size_t model_size, std::vector<AddedToken> added_tokens,
                                     PairTemplate pair_template, std::int32_t pad_id)
    : normalizer_(std::move(normalizer)),
      pre_tokenizers_(std::move(pre_tokenizers)),
      model_(std::move(model)),
      template_(std::move(pair_template)),
      pad_id_(pad_id),
      vocab_size_(model_size) {
  for (const AddedToken& token : added_tokens) {
    vocab_size_ = std::max(vocab_size_, static_cast<std::size_t>(token.id) + 1);
  }
  added_ = AddedVocabulary::build(std::move(added_tokens), [this](std::string_view s) { return normalize(s); });
}

std::string PipelineTokenizer::normalize(std::string_view text) const {
  return normalizer_ ? normalizer_->normalize(text) : std::string(text);
}

std::vector<std::int32_t> PipelineTokenizer::encode(std::string_view text, std::vector<std::size_t>* word_ends) const {
  validate_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  const std::function<std::string(std::string_view)> normalize_fn =
      normalizer_ ? std::function<std::string(std::string_view)>([this](std::string_view s) { return normalize(s); })
                  : nullptr;
  // Without a normalizer the pieces are views of `text`: one that begins
  // where it begins is at the start of the text (Metaspace "first").
  added_.encode(
      text, normalize_fn,
      [this, word_ends, start = text.data()](std::string_view piece, std::vector<std::int32_t>& out) {
        encode_text(piece, out, word_ends, !normalizer_ && piece.data() == start);
      },
      ids);
  return ids;
}

void PipelineTokenizer::encode_text(std::string_view text, std::vector<std::int32_t>& out,
                                    std::vector<std::size_t>* word_ends, bool at_start) const {
  std::vector<std::string> words{std::string(text)};
  for (const auto& pre : pre_tokenizers_) pre->split_tracking_start(words, at_start);
  for (const std::string& word : words) {
    model_(word, out);
    if (word_ends) word_ends->push_back(out.size());
  }
}

}  // namespace cappy
