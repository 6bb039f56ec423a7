// UTF-8 <-> code points. Every text entry point of the core goes through
// decode_utf8, so invalid input fails in one place with one message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cappy {

// Code points of `text`. Throws cappy::Error("invalid UTF-8 at byte N") on
// malformed, overlong, surrogate or out-of-range sequences (N is 0-based).
std::u32string decode_utf8(std::string_view text);

// Throws like decode_utf8 without building the code points.
void validate_utf8(std::string_view text);

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view cps);

}  // namespace cappy
