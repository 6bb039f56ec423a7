#include "tokenize/bpe_model.h"

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
    : vocab_(std::move(vocab)), options_(options), merges_(vocab_, merges) {
  const auto& table = byte_to_unicode();
  for (int b = 0; b < 256; ++b) {
    std::string symbol;
    append_utf8(symbol, table[b]);
    byte_id_[b] = vocab_.find(symbol);
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
  // The word's byte symbols are merged in place at the end of `out`.
  std::vector<std::int32_t> symbols;
  symbols.reserve(word.size());
  bool pending_unk = false;
  for (unsigned char b : word) {
    const std::int32_t id = byte_id_[b];
    if (id >= 0) {
      pending_unk = false;
      symbols.push_back(id);
    } else if (options_.unk_id >= 0 && !(options_.fuse_unk && pending_unk)) {
      pending_unk = true;
      symbols.push_back(options_.unk_id);
    }
  }
  merges_.apply(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

}  // namespace cappy
