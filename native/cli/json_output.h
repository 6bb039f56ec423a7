// Small helpers for JSON Lines output: floats in their shortest round-trip
// form (not widened to double), strings escaped by nlohmann.
#pragma once

#include <string>
#include <string_view>

namespace cappy::cli {

std::string json_float(float v);      // NaN/inf become null (JSON has no such numbers)
std::string json_string(std::string_view s);

}  // namespace cappy::cli
