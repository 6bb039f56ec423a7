#include "tokenize/tokenizer_config.h"

#include <nlohmann/json.hpp>

#include "cappy/cappy.h"
#include "model/model_files.h"
#include "util/json_file.h"

namespace cappy {
namespace {

// HF stores "no limit" as int(1e30) (VERY_LARGE_INTEGER); anything this big
// means the checkpoint did not say.
constexpr double kUnsetMaxLength = 1e9;

bool read_bool(const nlohmann::json& config, const char* field, bool fallback, const std::string& path) {
  const auto it = config.find(field);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(path + ": field \"" + field + "\" is not a boolean");
  return it->get<bool>();
}

}  // namespace

TokenizerConfig read_tokenizer_config(const ModelFiles& files) {
  TokenizerConfig result;
  const std::string name = "tokenizer_config.json";
  if (!files.has(name)) return result;
  const std::string path = files.origin(name);
  const nlohmann::json config = parse_json(files.open(name).text(), path);
  if (!config.is_object()) throw Error(path + ": not a JSON object");
  result.do_lower_case = read_bool(config, "do_lower_case", true, path);
  result.tokenize_chinese_chars = read_bool(config, "tokenize_chinese_chars", true, path);
  result.add_prefix_space = read_bool(config, "add_prefix_space", false, path);
  if (const auto it = config.find("strip_accents"); it != config.end() && !it->is_null()) {
    if (!it->is_boolean()) throw Error(path + ": field \"strip_accents\" is not a boolean");
    result.strip_accents = it->get<bool>();
  }
  if (const auto it = config.find("model_max_length"); it != config.end() && !it->is_null()) {
    if (!it->is_number()) throw Error(path + ": field \"model_max_length\" is not a number");
    const double value = it->get<double>();
    if (value < 0) throw Error(path + ": field \"model_max_length\" is negative");
    if (value < kUnsetMaxLength) result.model_max_length = static_cast<std::size_t>(value);
  }
  if (const auto it = config.find("extra_ids"); it != config.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 100000) {
      throw Error(path + ": field \"extra_ids\" is not a count");
    }
    result.extra_ids = it->get<std::size_t>();
  }
  return result;
}

}  // namespace cappy
