// The two ways an HF checkpoint stores its tokenizer; load_tokenizer
// (load_tokenizer.cc) picks one.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_config.h"

namespace cappy {

// tokenizer.json: BPE with ByteLevel, or WordPiece with BertNormalizer and
// BertPreTokenizer; the pair template from its post_processor.
// `origin` names the text in errors (its path).
std::unique_ptr<Tokenizer> load_tokenizer_json(std::string_view text, const std::string& origin);

// vocab.json + merges.txt (byte-level BPE) or vocab.txt (WordPiece), with
// the family's special tokens and pair template picked by model_type.
std::unique_ptr<Tokenizer> load_legacy_tokenizer(const ModelFiles& files, const std::string& model_type,
                                                 const TokenizerConfig& config);

// model_types whose checkpoints use RoBERTa's <s> A </s></s> B </s>.
bool uses_roberta_template(const std::string& model_type);

}  // namespace cappy
