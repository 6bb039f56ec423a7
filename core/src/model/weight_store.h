// All the weights of a checkpoint, by name: a one-file bundle's tensors,
// model.safetensors or a sharded model.safetensors.index.json, mapped (not
// copied) from disk or viewed in place in memory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/tensor.h"
#include "model/model_files.h"

namespace cappy {

class WeightStore {
 public:
  // Opens the weights of a checkpoint's files: a bundle's GGUF tensors
  // (model.gguf, see model/bundle.h) or the safetensors files.
  static WeightStore open(const ModelFiles& files);
  // The same for an HF checkpoint directory.
  static WeightStore open_directory(const std::string& directory);
  // Opens one safetensors file.
  static WeightStore open_file(const std::string& path);

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // The tensor, checked to have this shape; throws cappy::Error naming the
  // tensor and both shapes otherwise, or naming it when it is missing.
  const TensorView& get(const std::string& name, const std::vector<std::int64_t>& shape) const;
  // The same, widened to f32.
  std::vector<float> get_f32(const std::string& name, const std::vector<std::int64_t>& shape) const;

  std::size_t size() const { return tensors_.size(); }
  // A bundle's recorded q8 activation width ("int8", "int16"), or empty.
  const std::string& q8_activations() const { return q8_activations_; }
  const std::string& source() const { return source_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  // Keeps the tensors' bytes alive (for backends that use them in place
  // instead of copying, e.g. f16 and q8 weights).
  std::shared_ptr<const void> bytes_owner() const;

 private:
  void add_file(const FileBytes& bytes, const std::string& origin);
  void add_tensor(TensorView t, const std::string& origin);

  std::string source_;
  std::string q8_activations_;
  std::vector<std::shared_ptr<const void>> owners_;  // keep the bytes alive
  std::map<std::string, TensorView> tensors_;
};

}  // namespace cappy
