#include "tokenize/bpe_model.h"

#include <queue>

#include "cappy/cappy.h"
#include "util/utf8.h"

namespace cappy {

const std::array<char32_t, 256>& byte_to_unicode() {
  // Printable bytes map to themselves; the others to 256, 257, ... in byte
  // order, so no symbol is whitespace or a control character.
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      t[b] = printable ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table;
}

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                   Options options)
    : vocab_(std::move(vocab)), options_(options) {
  const auto& table = byte_to_unicode();
  for (int b = 0; b < 256; ++b) {
    std::string symbol;
    append_utf8(symbol, table[b]);
    byte_id_[b] = vocab_.find(symbol);
  }
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const std::int32_t id_a = vocab_.find(a), id_b = vocab_.find(b), id = vocab_.find(a + b);
    if (id_a < 0 || id_b < 0 || id < 0) {
      throw Error("BPE merge " + std::to_string(rank) + " (\"" + a + " " + b +
                  "\") names a token that is not in the vocabulary");
    }
    // The first listing of a pair wins, as in HF.
    merges_.emplace(key(id_a, id_b), Merge{static_cast<std::int32_t>(rank), id});
  }
}

void BpeModel::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    std::string mapped;
    for (unsigned char b : word) append_utf8(mapped, byte_to_unicode()[b]);
    if (const std::int32_t id = vocab_.find(mapped); id >= 0) {
      out.push_back(id);
      return;
    }
  }

  // Symbols form a doubly linked list over a flat array; a merged-away
  // symbol gets id -1. Queue entries name the left symbol of a pair and are
  // checked for staleness when popped.
  struct Symbol {
    std::int32_t id;
    std::int32_t prev, next;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  bool pending_unk = false;
  for (unsigned char b : word) {
    const std::int32_t id = byte_id_[b];
    if (id >= 0) {
      pending_unk = false;
      symbols.push_back({id, 0, 0});
    } else if (options_.unk_id >= 0 && !(options_.fuse_unk && pending_unk)) {
      pending_unk = true;
      symbols.push_back({options_.unk_id, 0, 0});
    }
  }
  const std::int32_t n = static_cast<std::int32_t>(symbols.size());
  for (std::int32_t i = 0; i < n; ++i) {
    symbols[i].prev = i - 1;
    symbols[i].next = i + 1 < n ? i + 1 : -1;
  }

  struct Candidate {
    std::int32_t rank, pos, id;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto push_pair = [&](std::int32_t left) {
    const std::int32_t right = symbols[left].next;
    if (right < 0) return;
    const auto it = merges_.find(key(symbols[left].id, symbols[right].id));
    if (it != merges_.end()) queue.push({it->second.rank, left, it->second.id});
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.id < 0 || left.next < 0) continue;
    const Symbol& right = symbols[left.next];
    const auto it = merges_.find(key(left.id, right.id));
    if (it == merges_.end() || it->second.id != top.id) continue;  // stale entry
    const std::int32_t removed = left.next;
    left.id = top.id;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    symbols[removed].id = -1;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.pos);
  }
  for (std::int32_t i = 0; i >= 0 && i < n; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace cappy
