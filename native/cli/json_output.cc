#include "json_output.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace cappy::cli {

std::string json_float(float v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// Invalid UTF-8 (only possible in text we echo back) becomes U+FFFD rather
// than an exception: output must never fail.
std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

}  // namespace cappy::cli
