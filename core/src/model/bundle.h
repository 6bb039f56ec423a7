// The one-file Cappy bundle: a GGUF file (docs/bundle-format.md) that holds
// the weights under their HF tensor names and the checkpoint's other files
// (config.json, tokenizer files) as metadata, so the usual loaders read a
// bundle through ModelFiles exactly as they read a directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf.h"
#include "model/model_files.h"

namespace cappy {

// Metadata keys.
constexpr char kBundleArchitecture[] = "cappy";           // general.architecture
constexpr char kBundleVersionKey[] = "cappy.bundle_version";  // u32
constexpr std::uint32_t kBundleVersion = 1;
constexpr char kBundleFilePrefix[] = "cappy.file.";      // + HF file name: STRING or ARRAY of U8
constexpr char kBundleWeightsDtypeKey[] = "cappy.weights_dtype";  // "f32", "f16", "q8_0"
constexpr char kBundleSourceFormatKey[] = "cappy.source_format";  // "safetensors", "pytorch", "flax"
// Optional: the width the native CPU quantizes a q8 layer's inputs to, "int8"
// or "int16", for a model measured to need it (`cappy convert
// --q8-activations`); absent: the CPU's fastest (docs/bundle-format.md).
constexpr char kBundleQ8ActivationsKey[] = "cappy.q8_activations";
// The values kBundleQ8ActivationsKey takes.
inline bool is_q8_activation_width(std::string_view width) { return width == "int8" || width == "int16"; }

// The name under which a bundle's ModelFiles expose the whole GGUF file, so
// that WeightStore::open finds its tensors.
constexpr char kBundleWeightsName[] = "model.gguf";

// Limits on the embedded files.
constexpr std::size_t kMaxBundleFiles = 64;

// True when the file at `path` starts with the GGUF magic.
bool is_bundle_file(const std::string& path);

// A bundle file or an HF checkpoint directory, whichever `path` is. Throws
// cappy::Error when it is a file but not a GGUF bundle.
std::unique_ptr<ModelFiles> open_model_files(const std::string& path);

// The files of a bundle on disk (mapped, not copied) or in memory. Checks
// that it is a Cappy bundle of a known version and that every embedded file
// name is a plain file name; throws cappy::Error naming the bundle otherwise.
std::unique_ptr<ModelFiles> bundle_files(const std::string& path);
std::unique_ptr<ModelFiles> bundle_files(std::shared_ptr<const std::vector<std::uint8_t>> bytes,
                                         std::string description);

}  // namespace cappy
