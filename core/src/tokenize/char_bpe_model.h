// BPE over characters (HF's models/bpe for tokenizer.json files that are not
// byte-level: sentencepiece-style BPE exported with byte_fallback, and
// subword BPE with a continuing_subword_prefix / end_of_word_suffix). A word's
// characters become its first symbols, as HF's BPE::merge_word makes them:
// every character but the first gets the continuing_subword_prefix, the last
// one the end_of_word_suffix; a symbol missing from the vocabulary becomes its
// bytes' <0xNN> tokens (byte_fallback, when all exist) or the unknown token
// (adjacent ones fused with fuse_unk). Then bpe_merges.h merges them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenize/bpe_merges.h"
#include "tokenize/vocab.h"

namespace cappy {

class CharBpeModel {
 public:
  struct Options {
    std::optional<std::int32_t> unk_id;  // none: characters missing from the vocabulary are dropped
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;  // a word that is in the vocabulary as it is is one token
    std::string continuing_subword_prefix;
    std::string end_of_word_suffix;
  };

  // Throws Error naming the merge when a merge's tokens are not in the vocabulary.
  CharBpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, Options options);

  // Appends the ids of one pre-tokenized word.
  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

  const Vocab& vocab() const { return vocab_; }

 private:
  Vocab vocab_;
  Options options_;
  BpeMerges merges_;
  std::array<std::int32_t, 256> byte_ids_;  // the <0xNN> tokens, or -1
};

}  // namespace cappy
