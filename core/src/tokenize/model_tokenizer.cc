#include "tokenize/model_tokenizer.h"

#include <algorithm>

#include "model/config.h"
#include "model/model_files.h"

namespace cappy {

std::size_t scoring_max_length(const ModelSpec& spec, std::size_t model_max_length) {
  std::size_t max_length = static_cast<std::size_t>(spec.max_positions_for_tokens());
  if (model_max_length > 0) max_length = std::min(max_length, model_max_length);
  return max_length;
}

ModelTokenizer load_model_tokenizer(const ModelFiles& files, const std::string& fallback_model_type) {
  ModelTokenizer out;
  if (files.has("config.json")) {
    const ModelSpec spec = parse_config(std::string(files.open("config.json").text()), files.origin("config.json"));
    LoadedTokenizer loaded = load_tokenizer(files, spec.model_type);
    out.tokenizer = std::move(loaded.tokenizer);
    out.max_length = scoring_max_length(spec, loaded.model_max_length);
    out.model_type = spec.model_type;
  } else {
    LoadedTokenizer loaded = load_tokenizer(files, fallback_model_type);
    out.tokenizer = std::move(loaded.tokenizer);
    out.max_length = loaded.model_max_length;
    out.model_type = fallback_model_type;
  }
  return out;
}

}  // namespace cappy
