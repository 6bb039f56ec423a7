// WordPiece (BERT): greedy longest-match-first over a word, continuation
// pieces carry a prefix ("##"); a word with an unmatchable part, or longer
// than max_input_chars_per_word characters, is one unknown token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenize/vocab.h"

namespace cappy {

class WordPieceModel {
 public:
  struct Options {
    std::string unk_token = "[UNK]";
    std::string continuing_subword_prefix = "##";
    std::size_t max_input_chars_per_word = 100;
  };

  // Throws Error when the unknown token is not in the vocabulary.
  WordPieceModel(Vocab vocab, Options options);

  // Appends the ids of one word (valid UTF-8).
  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

  const Vocab& vocab() const { return vocab_; }

 private:
  Vocab vocab_;
  Options options_;
  std::int32_t unk_id_;
};

}  // namespace cappy
