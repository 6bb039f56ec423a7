// The sentencepiece route of a build without the sentencepiece library
// (CAPPY_WITH_SENTENCEPIECE=OFF, the WebAssembly build for now).
#include "cappy/cappy.h"
#include "model/model_files.h"
#include "tokenize/sentencepiece_tokenizer.h"

namespace cappy {

bool sentencepiece_available() { return false; }

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const ModelFiles& files, const std::string& name,
                                                        const std::string& model_type, const TokenizerConfig& config) {
  throw Error(files.origin(name) +
              ": sentencepiece models need a build with the sentencepiece library (CMake option "
              "CAPPY_WITH_SENTENCEPIECE=ON); this build has none. A tokenizer.json beside it would be used instead.");
}

}  // namespace cappy
