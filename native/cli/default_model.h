// Which model a command runs when --model is not given: cappy-mini, the
// repository's default model, so that a fresh build works offline.
#pragma once

#include <string>

namespace cappy::cli {

// The default model's path inside the repository.
inline constexpr const char* kDefaultModelFile = "models/cappy-mini.cappy";

// How many directories above the executable's own are searched for
// kDefaultModelFile (build/bin/cappy -> build/bin, build, the repository root, one more).
inline constexpr int kDefaultModelSearchLevels = 3;

// --help text of every --model option that has this default.
inline constexpr const char* kModelOptionHelp =
    "bundle file (cappy convert) or HF checkpoint directory (config.json, model.safetensors, "
    "tokenizer). Default: $CAPPY_MODEL if set, else models/cappy-mini.cappy in the directory "
    "of the cappy executable or up to 3 above it (the repository's default model, cappy-mini)";

// `given` if not empty; else $CAPPY_MODEL if set and not empty; else the first
// <dir>/models/cappy-mini.cappy that exists, <dir> going up from the directory of
// the running executable. Throws cappy::Error naming the places it looked.
std::string resolve_model(const std::string& given);

}  // namespace cappy::cli
