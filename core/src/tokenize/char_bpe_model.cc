#include "tokenize/char_bpe_model.h"

#include <algorithm>
#include <cstdio>

namespace cappy {
namespace {

std::size_t char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

CharBpeModel::CharBpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                           Options options)
    : vocab_(std::move(vocab)),
      options_(std::move(options)),
      merges_(vocab_, merges, options_.continuing_subword_prefix.size()) {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = vocab_.find(name);
  }
}

void CharBpeModel::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    if (const std::int32_t id = vocab_.find(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<std::int32_t> symbols;
  symbols.reserve(word.size());
  // An unknown symbol waits until the next known one (or the end), so that
  // fuse_unk can fold a run into one; as in HF, byte-fallback tokens do not
  // flush it (they land before a waiting unknown).
  bool unk_waiting = false;
  std::string symbol;
  for (std::size_t at = 0; at < word.size();) {
    const std::size_t length = std::min(char_length(static_cast<unsigned char>(word[at])), word.size() - at);
    symbol.clear();
    if (at > 0) symbol += options_.continuing_subword_prefix;
    symbol.append(word.substr(at, length));
    at += length;
    if (at == word.size()) symbol += options_.end_of_word_suffix;

    if (const std::int32_t id = vocab_.find(symbol); id >= 0) {
      if (unk_waiting) symbols.push_back(*options_.unk_id);
      unk_waiting = false;
      symbols.push_back(id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (const char ch : symbol) all = all && byte_ids_[static_cast<unsigned char>(ch)] >= 0;
      if (all) {
        for (const char ch : symbol) symbols.push_back(byte_ids_[static_cast<unsigned char>(ch)]);
        continue;
      }
    }
    if (!options_.unk_id) continue;
    if (unk_waiting && !options_.fuse_unk) symbols.push_back(*options_.unk_id);
    unk_waiting = true;
  }
  if (unk_waiting) symbols.push_back(*options_.unk_id);
  merges_.apply(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

}  // namespace cappy
