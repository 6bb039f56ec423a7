#include "tokenize/loaders.h"

#include "model/model_files.h"

namespace cappy {

bool uses_roberta_template(const std::string& model_type) {
  return model_type == "roberta" || model_type == "xlm-roberta" || model_type == "camembert";
}

LoadedTokenizer load_tokenizer(const ModelFiles& files, const std::string& model_type) {
  LoadedTokenizer loaded;
  const TokenizerConfig config = read_tokenizer_config(files);
  loaded.model_max_length = config.model_max_length;
  // As in HF: a tokenizer.json is the complete description and wins.
  if (files.has("tokenizer.json")) {
    loaded.tokenizer = load_tokenizer_json(files.open("tokenizer.json").text(), files.origin("tokenizer.json"));
  } else {
    loaded.tokenizer = load_legacy_tokenizer(files, model_type, config);
  }
  return loaded;
}

LoadedTokenizer load_tokenizer(const std::string& directory, const std::string& model_type) {
  return load_tokenizer(*directory_files(directory), model_type);
}

}  // namespace cappy
