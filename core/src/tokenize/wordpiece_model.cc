#include "tokenize/wordpiece_model.h"

#include "cappy/cappy.h"

namespace cappy {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

WordPieceModel::WordPieceModel(Vocab vocab, Options options)
    : vocab_(std::move(vocab)), options_(std::move(options)), unk_id_(vocab_.find(options_.unk_token)) {
  if (unk_id_ < 0) {
    throw Error("WordPiece unk_token \"" + options_.unk_token + "\" is not in the vocabulary");
  }
}

void WordPieceModel::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  std::size_t chars = 0;
  for (char c : word) chars += !is_continuation_byte(c);
  if (chars > options_.max_input_chars_per_word) {
    out.push_back(unk_id_);
    return;
  }
  const std::size_t first_new = out.size();
  std::string candidate = options_.continuing_subword_prefix;
  const std::size_t prefix_size = candidate.size();
  std::size_t start = 0;
  while (start < word.size()) {
    std::size_t end = word.size();
    std::int32_t id = -1;
    while (end > start) {
      const std::string_view piece = word.substr(start, end - start);
      if (start == 0) {
        id = vocab_.find(piece);
      } else {
        candidate.resize(prefix_size);
        candidate.append(piece);
        id = vocab_.find(candidate);
      }
      if (id >= 0) break;
      do {
        --end;
      } while (end > start && is_continuation_byte(word[end]));
    }
    if (id < 0) {
      out.resize(first_new);
      out.push_back(unk_id_);
      return;
    }
    out.push_back(id);
    start = end;
  }
}

}  // namespace cappy
