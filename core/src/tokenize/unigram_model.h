// The Unigram model (sentencepiece's, as HF's models/unigram/model.rs runs
// it): the best-scoring segmentation of a word into vocabulary pieces
// (Viterbi over a byte lattice, scores added left to right in double
// precision). A character no piece starts with becomes <unk> with score
// min_score - 10, and adjacent unknowns are fused into one token. Ties keep
// the path found first (earlier start, then shorter piece), as HF does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenize/vocab.h"

namespace cappy {

class UnigramModel {
 public:
  struct Piece {
    std::string text;
    double score;
  };
  // Throws Error when the vocabulary is empty or unk_id is out of range.
  UnigramModel(std::vector<Piece> pieces, std::optional<std::int32_t> unk_id, bool byte_fallback);

  // Appends the ids of one pre-tokenized word.
  void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

  const Vocab& vocab() const { return ids_; }
  std::size_t size() const { return scores_.size(); }

 private:
  // A byte trie of the pieces: children of a node are a sorted run of edges.
  struct Node {
    std::uint32_t edges_begin = 0, edges_end = 0;
    std::int32_t id = -1;  // the piece that ends here
  };
  struct Edge {
    std::uint8_t byte;
    std::uint32_t child;
  };
  void build_trie(const std::vector<Piece>& pieces);
  std::int32_t child(std::uint32_t node, std::uint8_t byte) const;
  void emit_unknown(std::string_view text, std::vector<std::int32_t>& out) const;

  std::vector<double> scores_;
  Vocab ids_;  // piece -> id (a repeated piece maps to its last id, as in HF)
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::uint32_t root_children_[256];
  std::optional<std::int32_t> unk_id_;
  double unk_score_ = 0;
  bool byte_fallback_ = false;
  std::int32_t byte_ids_[256];  // <0xNN> pieces for byte fallback, or -1
};

}  // namespace cappy
