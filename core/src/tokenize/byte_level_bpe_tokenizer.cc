#include "tokenize/byte_level_bpe_tokenizer.h"

#include <algorithm>
#include <string>

#include "tokenize/gpt2_pretokenizer.h"
#include "util/utf8.h"

namespace cappy {

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(BpeModel model, std::vector<AddedToken> added_tokens,
                                             PairTemplate pair_template, Options options,
                                             std::int32_t pad_id)
    : model_(std::move(model)),
      template_(std::move(pair_template)),
      options_(options),
      pad_id_(pad_id),
      vocab_size_(model_.vocab().size()) {
  for (const AddedToken& token : added_tokens) {
    vocab_size_ = std::max(vocab_size_, static_cast<std::size_t>(token.id) + 1);
  }
  added_ = AddedVocabulary::build(std::move(added_tokens), [](std::string_view s) { return std::string(s); });
}

std::vector<std::int32_t> ByteLevelBpeTokenizer::encode(std::string_view text, std::vector<std::size_t>* word_ends) const {
  validate_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  added_.encode(
      text, nullptr,
      [this, word_ends](std::string_view piece, std::vector<std::int32_t>& out) { encode_text(piece, out, word_ends); },
      ids);
  return ids;
}

void ByteLevelBpeTokenizer::encode_text(std::string_view text, std::vector<std::int32_t>& out,
                                        std::vector<std::size_t>* word_ends) const {
  std::string prefixed;
  if (options_.add_prefix_space && !text.starts_with(' ')) {
    prefixed.reserve(text.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(text);
    text = prefixed;
  }
  if (!options_.use_regex) {
    model_.encode_word(text, out);
    if (word_ends) word_ends->push_back(out.size());
    return;
  }
  for (const auto& [begin, end] : gpt2_split(text)) {
    model_.encode_word(text.substr(begin, end - begin), out);
    if (word_ends) word_ends->push_back(out.size());
  }
}

}  // namespace cappy
