// HF checkpoint directory -> one-file Cappy bundle (docs/bundle-format.md).
// The weights come from safetensors (single or sharded), pytorch_model.bin
// (read without Python, see torch_pickle.h) or flax_model.msgpack; only the
// tensors the encoder graph uses are written, each checked against the shape
// the config implies, in the chosen weight format.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/gguf_writer.h"
#include "model/model_files.h"

namespace cappy {

enum class WeightFormat { F32, F16, Q8_0, BF16 };
// "f32", "f16", "q8" (or "q8_0"), "bf16"; false for anything else.
bool parse_weight_format(const std::string& text, WeightFormat* out);
const char* weight_format_name(WeightFormat f);  // "f32", "f16", "q8_0", "bf16"

struct ConvertOptions {
  WeightFormat format = WeightFormat::F32;
  // q8 only: tensors whose name this ECMAScript regular expression finds a
  // match in are stored F16 instead of Q8_0 (empty: none), e.g. "word_embeddings".
  std::string keep_f16;
  // q8 only: "int8" or "int16" to record the activation width the native CPU
  // must use for this model (kBundleQ8ActivationsKey); empty: none recorded.
  std::string q8_activations;
  GgufWriter::Progress progress;  // called after each tensor is written
};

struct ConvertSummary {
  std::string source_format;  // "safetensors", "pytorch", "flax"
  std::size_t tensors = 0;            // written
  std::size_t unused_tensors = 0;     // in the source but not used by the graph
  std::size_t q8_tensors = 0, f16_tensors = 0, f32_tensors = 0, bf16_tensors = 0;
  std::vector<std::string> embedded_files;
};

// Which weight files a checkpoint directory has, in the order they are
// preferred; empty when it has none (used for messages).
std::string describe_weight_files(const ModelFiles& files);

// Prepares the bundle of the checkpoint in `files` (a directory). Reads and
// checks config, tokenizer and tensor headers now; the writer converts the
// tensor data when it writes. Throws cappy::Error naming the file at fault.
GgufWriter prepare_bundle(const ModelFiles& files, const ConvertOptions& options,
                          ConvertSummary* summary);

// prepare_bundle + write to `out_path` (atomically).
ConvertSummary convert_checkpoint(const std::string& src_dir, const std::string& out_path,
                                  const ConvertOptions& options);

}  // namespace cappy
