#include "tokenize/added_tokens.h"

#include <algorithm>
#include <utility>

#include "tokenize/unicode.h"
#include "util/utf8.h"

namespace cappy {
namespace {

// Code point that ends at byte `end` (text is valid UTF-8), with its length.
std::pair<char32_t, std::size_t> last_char(std::string_view text, std::size_t end) {
  std::size_t begin = end - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  const std::u32string cp = decode_utf8(text.substr(begin, end - begin));
  return {cp[0], end - begin};
}

std::pair<char32_t, std::size_t> first_char(std::string_view text, std::size_t begin) {
  std::size_t end = begin + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  const std::u32string cp = decode_utf8(text.substr(begin, end - begin));
  return {cp[0], end - begin};
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns)
    : tokens_(std::move(tokens)), patterns_(std::move(patterns)), by_first_byte_(256) {
  for (std::uint32_t i = 0; i < tokens_.size(); ++i) {
    if (patterns_[i].empty()) continue;  // an empty token can never be matched usefully
    by_first_byte_[static_cast<unsigned char>(patterns_[i][0])].push_back(i);
  }
  for (auto& bucket : by_first_byte_) {
    std::stable_sort(bucket.begin(), bucket.end(), [&](std::uint32_t a, std::uint32_t b) {
      return patterns_[a].size() > patterns_[b].size();
    });
  }
}

std::vector<TextPiece> AddedTokenMatcher::split(std::string_view text) const {
  if (text.empty() || tokens_.empty()) return {TextPiece{0, text.size(), -1}};
  std::vector<TextPiece> pieces;
  std::size_t covered = 0;  // end of the last emitted piece
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[pos])];
    const std::uint32_t* found = nullptr;
    for (const std::uint32_t& index : bucket) {
      if (text.substr(pos).starts_with(patterns_[index])) {
        found = &index;
        break;
      }
    }
    if (found == nullptr) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[*found];
    std::size_t start = pos;
    std::size_t stop = pos + patterns_[*found].size();
    // The search resumes after the match whether or not it is kept, as an
    // Aho-Corasick leftmost-longest iterator does.
    pos = stop;
    if (token.single_word) {
      const bool word_before = start > 0 && unicode::is_word_char(last_char(text, start).first);
      const bool word_after = stop < text.size() && unicode::is_word_char(first_char(text, stop).first);
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      std::size_t new_start = start;
      while (new_start > 0) {
        const auto [c, length] = last_char(text, new_start);
        if (!unicode::is_white_space(c)) break;
        new_start -= length;
      }
      // Whitespace already taken by the previous match stays with it.
      start = std::max(new_start, covered);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        const auto [c, length] = first_char(text, stop);
        if (!unicode::is_white_space(c)) break;
        stop += length;
      }
      pos = stop;
    }
    if (start > covered) pieces.push_back({covered, start, -1});
    pieces.push_back({start, stop, token.id});
    covered = stop;
  }
  if (covered != text.size()) pieces.push_back({covered, text.size(), -1});
  return pieces;
}

AddedVocabulary AddedVocabulary::build(std::vector<AddedToken> tokens,
                                       const std::function<std::string(std::string_view)>& normalize) {
  std::vector<AddedToken> raw_tokens, normalized_tokens;
  std::vector<std::string> raw_patterns, normalized_patterns;
  for (const AddedToken& token : tokens) {
    if (token.normalized) {
      normalized_tokens.push_back(token);
      normalized_patterns.push_back(normalize(token.content));
    } else {
      raw_tokens.push_back(token);
      raw_patterns.push_back(token.content);
    }
  }
  AddedVocabulary vocabulary;
  vocabulary.raw = AddedTokenMatcher(std::move(raw_tokens), std::move(raw_patterns));
  vocabulary.normalized = AddedTokenMatcher(std::move(normalized_tokens), std::move(normalized_patterns));
  vocabulary.tokens = std::move(tokens);
  return vocabulary;
}

void AddedVocabulary::encode(
    std::string_view text, const std::function<std::string(std::string_view)>& normalize,
    const std::function<void(std::string_view, std::vector<std::int32_t>&)>& encode_text,
    std::vector<std::int32_t>& out) const {
  for (const TextPiece& piece : raw.split(text)) {
    if (piece.id >= 0) {
      out.push_back(piece.id);
      continue;
    }
    const std::string_view raw_text = text.substr(piece.begin, piece.end - piece.begin);
    std::string normalized_storage;
    std::string_view normalized_text = raw_text;
    if (normalize) {
      normalized_storage = normalize(raw_text);
      normalized_text = normalized_storage;
    }
    for (const TextPiece& inner : normalized.split(normalized_text)) {
      if (inner.id >= 0) {
        out.push_back(inner.id);
      } else if (inner.end > inner.begin) {
        encode_text(normalized_text.substr(inner.begin, inner.end - inner.begin), out);
      }
    }
  }
}

}  // namespace cappy
