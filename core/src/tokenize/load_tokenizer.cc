#include "tokenize/loaders.h"

namespace cappy {

bool uses_roberta_template(const std::string& model_type) {
  return model_type == "roberta" || model_type == "xlm-roberta" || model_type == "camembert";
}

LoadedTokenizer load_tokenizer(const std::string& directory, const std::string& model_type) {
  LoadedTokenizer loaded;
  const TokenizerConfig config = read_tokenizer_config(directory);
  loaded.model_max_length = config.model_max_length;
  // As in HF: a tokenizer.json is the complete description and wins.
  const std::string json_path = directory + "/tokenizer.json";
  if (file_exists(json_path)) {
    loaded.tokenizer = load_tokenizer_json(json_path);
  } else {
    loaded.tokenizer = load_legacy_tokenizer(directory, model_type, config);
  }
  return loaded;
}

}  // namespace cappy
