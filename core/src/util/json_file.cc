#include "util/json_file.h"

#include "cappy/cappy.h"
#include "util/mapped_file.h"

namespace cappy {

nlohmann::json parse_json(std::string_view text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
    throw Error(origin + ": malformed JSON: " + e.what());
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_text_file(path), path); }

}  // namespace cappy
