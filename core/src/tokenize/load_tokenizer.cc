#include "tokenize/loaders.h"

#include "model/model_files.h"
#include "tokenize/sentencepiece_tokenizer.h"

namespace cappy {

bool uses_roberta_template(const std::string& model_type) {
  return model_type == "roberta" || model_type == "xlm-roberta" || model_type == "camembert";
}

const std::vector<std::string>& sentencepiece_file_names() {
  static const std::vector<std::string> names = {"sentencepiece.bpe.model", "spiece.model", "tokenizer.model"};
  return names;
}

LoadedTokenizer load_tokenizer(const ModelFiles& files, const std::string& model_type) {
  LoadedTokenizer loaded;
  const TokenizerConfig config = read_tokenizer_config(files);
  loaded.model_max_length = config.model_max_length;
  // As in HF: a tokenizer.json is the complete description and wins.
  if (files.has("tokenizer.json")) {
    loaded.tokenizer = load_tokenizer_json(files.open("tokenizer.json").text(), files.origin("tokenizer.json"));
  } else {
    for (const std::string& name : sentencepiece_file_names()) {
      if (files.has(name)) {
        loaded.tokenizer = load_sentencepiece_tokenizer(files, name, model_type, config);
        return loaded;
      }
    }
    loaded.tokenizer = load_legacy_tokenizer(files, model_type, config);
  }
  return loaded;
}

LoadedTokenizer load_tokenizer(const std::string& directory, const std::string& model_type) {
  return load_tokenizer(*directory_files(directory), model_type);
}

}  // namespace cappy
