// sentencepiece model files (sentencepiece.bpe.model, spiece.model,
// tokenizer.model) run by the sentencepiece library itself, behind the same
// Tokenizer interface. Built when CAPPY_WITH_SENTENCEPIECE is ON (native
// default); otherwise loading such a file is a clear error.
//
// Ids, as HF's slow tokenizers define them:
// - model_type xlm-roberta: fairseq's dictionary order. <s>=0, <pad>=1,
//   </s>=2, <unk>=3, every other piece its sentencepiece id + 1, <mask> last
//   (piece count + 1); pairs are <s> A </s></s> B </s>, all type 0
//   (XLMRobertaTokenizer).
// - model_type albert: the model's own ids, [CLS] A [SEP] B [SEP] with B type 1.
// - any other model_type: the model's own ids, T5's A </s> and A </s> B </s>,
//   all type 0, plus tokenizer_config.json's extra_ids sentinels
//   (<extra_id_N> = piece count + extra_ids - 1 - N, T5Tokenizer).
// Special tokens in the text are matched first (HF's added tokens) and never
// reach sentencepiece.
#pragma once

#include <memory>
#include <string>

#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_config.h"

namespace cappy {

class ModelFiles;

// The sentencepiece file names, in the order they are looked for.
const std::vector<std::string>& sentencepiece_file_names();
bool sentencepiece_available();

// Loads files' `name` (one of sentencepiece_file_names()). Throws Error naming
// the file when it is malformed, when model_type needs pieces it lacks, or
// when this build has no sentencepiece.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const ModelFiles& files, const std::string& name,
                                                        const std::string& model_type, const TokenizerConfig& config);

}  // namespace cappy
