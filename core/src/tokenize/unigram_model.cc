#include "tokenize/unigram_model.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

#include "cappy/cappy.h"

namespace cappy {
namespace {

constexpr double kUnkPenalty = 10.0;  // sentencepiece's and HF's
constexpr std::uint32_t kNoChild = std::numeric_limits<std::uint32_t>::max();

std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

}  // namespace

UnigramModel::UnigramModel(std::vector<Piece> pieces, std::optional<std::int32_t> unk_id, bool byte_fallback)
    : unk_id_(unk_id), byte_fallback_(byte_fallback) {
  if (pieces.empty()) throw Error("Unigram vocabulary is empty");
  if (unk_id && (*unk_id < 0 || static_cast<std::size_t>(*unk_id) >= pieces.size())) {
    throw Error("Unigram unk_id " + std::to_string(*unk_id) + " is not in the " + std::to_string(pieces.size()) +
                "-piece vocabulary");
  }
  double min_score = std::numeric_limits<double>::infinity();
  scores_.reserve(pieces.size());
  for (std::size_t id = 0; id < pieces.size(); ++id) {
    ids_.add(pieces[id].text, static_cast<std::int32_t>(id));
    scores_.push_back(pieces[id].score);
    min_score = std::min(min_score, pieces[id].score);
  }
  unk_score_ = min_score - kUnkPenalty;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = ids_.find(name);
  }
  build_trie(pieces);
}

void UnigramModel::build_trie(const std::vector<Piece>& pieces) {
  // Build with maps, then flatten into sorted edge runs.
  struct BuildNode {
    std::map<std::uint8_t, std::uint32_t> children;
    std::int32_t id = -1;
  };
  std::vector<BuildNode> build(1);
  for (const Piece& piece : pieces) {
    if (piece.text.empty()) continue;  // an empty piece can never be matched
    std::uint32_t node = 0;
    for (const char ch : piece.text) {
      const auto b = static_cast<std::uint8_t>(ch);
      auto it = build[node].children.find(b);
      if (it == build[node].children.end()) {
        build.emplace_back();
        it = build[node].children.emplace(b, static_cast<std::uint32_t>(build.size() - 1)).first;
      }
      node = it->second;
    }
    build[node].id = ids_.find(piece.text);
  }
  nodes_.resize(build.size());
  for (std::size_t n = 0; n < build.size(); ++n) {
    nodes_[n].id = build[n].id;
    nodes_[n].edges_begin = static_cast<std::uint32_t>(edges_.size());
    for (const auto& [byte, child] : build[n].children) edges_.push_back({byte, child});
    nodes_[n].edges_end = static_cast<std::uint32_t>(edges_.size());
  }
  std::fill(std::begin(root_children_), std::end(root_children_), kNoChild);
  for (const auto& [byte, child] : build[0].children) root_children_[byte] = child;
}

std::int32_t UnigramModel::child(std::uint32_t node, std::uint8_t byte) const {
  const Node& n = nodes_[node];
  for (std::uint32_t e = n.edges_begin; e < n.edges_end; ++e) {
    if (edges_[e].byte == byte) return static_cast<std::int32_t>(edges_[e].child);
    if (edges_[e].byte > byte) break;
  }
  return -1;
}

void UnigramModel::emit_unknown(std::string_view text, std::vector<std::int32_t>& out) const {
  // HF looks the fused unknown text up as a token first, then byte fallback.
  if (const std::int32_t id = ids_.find(text); id >= 0) {
    out.push_back(id);
    return;
  }
  if (byte_fallback_) {
    bool all = true;
    for (const char ch : text) all = all && byte_ids_[static_cast<unsigned char>(ch)] >= 0;
    if (all) {
      for (const char ch : text) out.push_back(byte_ids_[static_cast<unsigned char>(ch)]);
      return;
    }
  }
  out.push_back(*unk_id_);
}

void UnigramModel::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  struct Best {
    double score = 0;
    std::int32_t starts_at = -1;  // -1: no path ends here yet
    std::int32_t id = 0;
  };
  const std::size_t size = word.size();
  std::vector<Best> best(size + 1);
  for (std::size_t start = 0; start < size;) {
    const double score_here = best[start].score;
    const std::size_t char_length = utf8_length(static_cast<unsigned char>(word[start]));
    bool has_single = false;
    const auto relax = [&](std::size_t end, std::int32_t id, double score) {
      Best& target = best[end];
      const double candidate = score + score_here;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {candidate, static_cast<std::int32_t>(start), id};
      }
    };
    std::uint32_t node = root_children_[static_cast<unsigned char>(word[start])];
    for (std::size_t end = start + 1; node != kNoChild;) {
      if (const std::int32_t id = nodes_[node].id; id >= 0) {
        relax(end, id, scores_[id]);
        if (end - start == char_length) has_single = true;
      }
      if (end == size) break;
      const std::int32_t next = child(node, static_cast<std::uint8_t>(word[end]));
      node = next < 0 ? kNoChild : static_cast<std::uint32_t>(next);
      ++end;
    }
    if (!has_single) {
      if (!unk_id_) throw Error("Unigram: the text has a character no piece covers, and the model has no unk_id");
      relax(start + char_length, *unk_id_, unk_score_);
    }
    start += char_length;
  }
  // Walk back; runs of <unk> become one token.
  std::vector<std::pair<std::size_t, std::size_t>> path;  // (start, end) spans, reversed
  std::vector<std::int32_t> path_ids;
  for (std::size_t end = size; end > 0;) {
    const Best& node = best[end];
    const std::size_t start = static_cast<std::size_t>(node.starts_at);
    const bool unknown = unk_id_ && node.id == *unk_id_;
    if (unknown && !path_ids.empty() && path_ids.back() == *unk_id_ && path.back().first == end) {
      path.back().first = start;  // extend the fused unknown run leftwards
    } else {
      path.emplace_back(start, end);
      path_ids.push_back(unknown ? *unk_id_ : node.id);
    }
    end = start;
  }
  for (std::size_t i = path.size(); i-- > 0;) {
    if (unk_id_ && path_ids[i] == *unk_id_) {
      emit_unknown(word.substr(path[i].first, path[i].second - path[i].first), out);
    } else {
      out.push_back(path_ids[i]);
    }
  }
}

}  // namespace cappy
