// The merge step of BPE, shared by the byte-level model (bpe_model.h) and the
// character model (char_bpe_model.h): the adjacent pair with the lowest merge
// rank is merged until no listed pair is left, the leftmost first among equal
// ranks (HF's models/bpe/word.rs, without dropout).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenize/vocab.h"

namespace cappy {

class BpeMerges {
 public:
  // merges: pairs of token strings in rank order. The merged token is `a`
  // followed by `b` without its first `prefix_length` bytes (HF drops the
  // continuing_subword_prefix that way, whether or not `b` starts with it).
  // Throws Error naming the merge when a side or the merged token is not in
  // the vocabulary. The first listing of a pair wins.
  BpeMerges(const Vocab& vocab, const std::vector<std::pair<std::string, std::string>>& merges,
            std::size_t prefix_length = 0);

  // Merges `ids` (a word's symbols) in place.
  void apply(std::vector<std::int32_t>& ids) const;

 private:
  struct Merge {
    std::int32_t rank;
    std::int32_t id;
  };
  static std::uint64_t key(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }

  std::unordered_map<std::uint64_t, Merge> merges_;
};

}  // namespace cappy
