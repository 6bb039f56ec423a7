// Byte-level BPE (GPT-2, RoBERTa): a word's bytes become the vocabulary's
// byte symbols, then the pair with the lowest merge rank is merged until no
// listed pair is left, the leftmost first among equal ranks (bpe_merges.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenize/bpe_merges.h"
#include "tokenize/vocab.h"

namespace cappy {

// GPT-2's reversible byte -> printable code point table (bytes_to_unicode).
const std::array<char32_t, 256>& byte_to_unicode();

class BpeModel {
 public:
  struct Options {
    std::int32_t unk_id = -1;  // -1: bytes missing from the vocabulary are dropped
    bool fuse_unk = false;
    bool ignore_merges = false;  // a word already in the vocabulary is one token
  };

  // merges: pairs of token strings in rank order. Throws Error naming the
  // merge when a side or the merged token is not in the vocabulary.
  BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
           Options options);

  // Appends the ids of one pre-tokenized word (raw bytes).
  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

  const Vocab& vocab() const { return vocab_; }

 private:
  Vocab vocab_;
  Options options_;
  std::array<std::int32_t, 256> byte_id_;  // id of each byte's symbol, or -1
  BpeMerges merges_;
};

}  // namespace cappy
