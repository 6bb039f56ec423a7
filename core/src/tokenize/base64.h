// Standard base64 (RFC 4648, with padding), as tokenizer.json stores
// Precompiled's charsmap.
#pragma once

#include <string>
#include <string_view>

namespace cappy {

// Throws Error prefixed with `origin` on a character outside the alphabet or
// a length that is not a multiple of 4.
std::string decode_base64(std::string_view text, const std::string& origin);

}  // namespace cappy
