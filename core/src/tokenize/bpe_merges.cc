#include "tokenize/bpe_merges.h"

#include <queue>

#include "cappy/cappy.h"

namespace cappy {

BpeMerges::BpeMerges(const Vocab& vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                     std::size_t prefix_length) {
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const std::string merged = a + (b.size() >= prefix_length ? b.substr(prefix_length) : std::string());
    const std::int32_t id_a = vocab.find(a), id_b = vocab.find(b), id = vocab.find(merged);
    if (id_a < 0 || id_b < 0 || id < 0 || b.size() < prefix_length) {
      throw Error("BPE merge " + std::to_string(rank) + " (\"" + a + " " + b +
                  "\") names a token that is not in the vocabulary");
    }
    merges_.emplace(key(id_a, id_b), Merge{static_cast<std::int32_t>(rank), id});
  }
}

void BpeMerges::apply(std::vector<std::int32_t>& ids) const {
  const std::int32_t n = static_cast<std::int32_t>(ids.size());
  if (n < 2) return;
  // Symbols form a doubly linked list over a flat array; a merged-away
  // symbol gets id -1. Queue entries name the left symbol of a pair and are
  // checked for staleness when popped.
  struct Symbol {
    std::int32_t id;
    std::int32_t prev, next;
  };
  std::vector<Symbol> symbols(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) symbols[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1};

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
  ids.clear();
  for (std::int32_t i = 0; i >= 0 && i < n; i = symbols[i].next) ids.push_back(symbols[i].id);
}

}  // namespace cappy
