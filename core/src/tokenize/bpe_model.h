// Byte-level BPE (GPT-2, RoBERTa): a word's bytes become the vocabulary's
// byte symbols, then the pair with the lowest merge rank is merged until no
// listed pair is left, the leftmost first among equal ranks (HF's word.rs).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

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
  struct Merge {
    std::int32_t rank;
    std::int32_t id;
  };
  static std::uint64_t key(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }

  Vocab vocab_;
  Options options_;
  std::array<std::int32_t, 256> byte_id_;  // id of each byte's symbol, or -1
  std::unordered_map<std::uint64_t, Merge> merges_;
};

}  // namespace cappy
