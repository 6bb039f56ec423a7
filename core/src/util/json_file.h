// JSON text and files parsed with errors that name where they came from.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cappy {

// Throws cappy::Error("<origin>: malformed JSON: ...") on a syntax error.
nlohmann::json parse_json(std::string_view text, const std::string& origin);
// Reads and parses a file; errors name the path.
nlohmann::json read_json_file(const std::string& path);

}  // namespace cappy
