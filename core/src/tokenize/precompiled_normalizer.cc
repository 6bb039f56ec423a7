#include "tokenize/precompiled_normalizer.h"

#include "cappy/cappy.h"
#include "tokenize/grapheme.h"
#include "util/utf8.h"

namespace cappy {
namespace {

// darts-clone unit layout (as sentencepiece writes it).
bool has_leaf(std::uint32_t unit) { return (unit >> 8) & 1; }
std::uint32_t value_of(std::uint32_t unit) { return unit & 0x7FFFFFFFu; }
std::uint32_t label_of(std::uint32_t unit) { return unit & (0x80000000u | 0xFFu); }
std::uint32_t offset_of(std::uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

}  // namespace

PrecompiledNormalizer::PrecompiledNormalizer(std::string_view charsmap, const std::string& origin)
    : origin_(origin) {
  if (charsmap.size() < 4) throw Error(origin + ": shorter than its 4-byte trie size");
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(charsmap[i])); };
  const std::uint32_t trie_bytes = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
  if (trie_bytes % 4 != 0 || trie_bytes > charsmap.size() - 4 || trie_bytes == 0) {
    throw Error(origin + ": trie size " + std::to_string(trie_bytes) + " does not fit the " +
                std::to_string(charsmap.size()) + "-byte blob");
  }
  trie_.resize(trie_bytes / 4);
  for (std::size_t i = 0; i < trie_.size(); ++i) {
    const std::size_t at = 4 + 4 * i;
    trie_[i] = byte(at) | byte(at + 1) << 8 | byte(at + 2) << 16 | byte(at + 3) << 24;
  }
  strings_ = std::string(charsmap.substr(4 + trie_bytes));
  try {
    validate_utf8(strings_);
  } catch (const Error& e) {
    throw Error(origin + ": replacement strings: " + e.what());
  }
  for (int c = 0; c < 128; ++c) {
    const char ch = static_cast<char>(c);
    if (const auto found = transform(std::string_view(&ch, 1))) ascii_[c] = {true, *found};
  }
}

std::optional<std::string_view> PrecompiledNormalizer::transform(std::string_view bytes) const {
  const std::size_t size = trie_.size();
  std::size_t node = offset_of(trie_[0]);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;
    node ^= c;
    if (node >= size) return std::nullopt;
    const std::uint32_t unit = trie_[node];
    if (label_of(unit) != c) return std::nullopt;
    node ^= offset_of(unit);
    if (node >= size) return std::nullopt;
    if (has_leaf(unit)) {
      const std::uint32_t at = value_of(trie_[node]);
      if (at >= strings_.size()) throw Error(origin_ + ": an entry points past the replacement strings");
      const std::size_t end = strings_.find('\0', at);
      std::string_view replacement(strings_);
      replacement = replacement.substr(at, (end == std::string::npos ? strings_.size() : end) - at);
      // A replacement that starts inside a character would split it.
      if (at > 0 && (static_cast<unsigned char>(strings_[at]) & 0xC0) == 0x80) {
        throw Error(origin_ + ": an entry points inside a UTF-8 character");
      }
      return replacement;  // the shortest matching key wins
    }
  }
  return std::nullopt;
}

std::string PrecompiledNormalizer::normalize(std::string_view text) const {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    // ASCII followed by ASCII (or the end) is a cluster of one character,
    // except CR LF, which is one cluster of two.
    if (lead < 0x80 && (pos + 1 == text.size() || (static_cast<unsigned char>(text[pos + 1]) < 0x80 &&
                                                   !(lead == '\r' && text[pos + 1] == '\n')))) {
      const AsciiEntry& entry = ascii_[lead];
      if (entry.mapped) {
        out.append(entry.replacement);
      } else {
        out.push_back(static_cast<char>(lead));
      }
      ++pos;
      continue;
    }
    const std::size_t end = unicode::grapheme_end(text, pos);
    const std::string_view cluster = text.substr(pos, end - pos);
    pos = end;
    if (cluster.size() < 6) {
      if (const auto found = transform(cluster)) {
        out.append(*found);
        continue;
      }
    }
    for (std::size_t i = 0; i < cluster.size();) {
      const std::size_t length = utf8_length(static_cast<unsigned char>(cluster[i]));
      const std::string_view character = cluster.substr(i, length);
      if (const auto found = transform(character)) {
        out.append(*found);
      } else {
        out.append(character);
      }
      i += length;
    }
  }
  return out;
}

}  // namespace cappy
