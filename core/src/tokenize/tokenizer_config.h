// The settings the tokenizers take from an HF checkpoint's
// tokenizer_config.json (absent file: HF's defaults).
#pragma once

#include <optional>
#include <string>


namespace cappy {

struct TokenizerConfig {
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // unset: follows do_lower_case
  bool tokenize_chinese_chars = true;
  bool add_prefix_space = false;
  std::size_t model_max_length = 0;  // 0 when unset (HF writes ~1e30 for "unset")
  std::size_t extra_ids = 0;  // T5's <extra_id_N> sentinels, appended after the sentencepiece pieces
};

class ModelFiles;

// Reads tokenizer_config.json if the checkpoint has one. Throws Error naming
// the file and field when it is malformed.
TokenizerConfig read_tokenizer_config(const ModelFiles& files);

}  // namespace cappy
