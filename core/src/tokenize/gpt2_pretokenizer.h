// GPT-2's pre-tokenization, the regex HF's ByteLevel pre-tokenizer runs:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matched by hand (leftmost-first alternation, as Oniguruma does), with \s as
// Unicode White_Space.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace cappy {

// Byte ranges [begin, end) of the words of `text` (valid UTF-8), covering it.
std::vector<std::pair<std::size_t, std::size_t>> gpt2_split(std::string_view text);

}  // namespace cappy
