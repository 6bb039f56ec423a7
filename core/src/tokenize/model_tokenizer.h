// The tokenizer a checkpoint is scored with and the length its pair
// encodings are truncated to: one definition for the Scorer and for
// `cappy tokenize`, so both always produce the same ids.
#pragma once

#include <memory>
#include <string>

#include "tokenize/tokenizer.h"

namespace cappy {

struct ModelSpec;

// The longest pair encoding scoring allows: the position table's limit,
// lowered to tokenizer_config.json's model_max_length when that is smaller.
std::size_t scoring_max_length(const ModelSpec& spec, std::size_t model_max_length);

struct ModelTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;
  std::size_t max_length = 0;  // 0: no truncation (no config.json and no model_max_length)
  std::string model_type;
};

// Reads config.json when the checkpoint has one (model_type, position table;
// the weights are not read) and the tokenizer files. Without config.json,
// `fallback_model_type` picks the older files' pair template and truncation
// follows tokenizer_config.json's model_max_length alone.
ModelTokenizer load_model_tokenizer(const ModelFiles& files, const std::string& fallback_model_type);

}  // namespace cappy
