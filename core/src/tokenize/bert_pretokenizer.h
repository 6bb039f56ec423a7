// HF's BertPreTokenizer: words are separated by whitespace (dropped), and
// every punctuation character is a word of its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cappy {

std::vector<std::u32string_view> bert_pre_tokenize(std::u32string_view text);

}  // namespace cappy
