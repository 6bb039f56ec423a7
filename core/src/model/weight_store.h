// All the weights of a checkpoint, by name: model.safetensors or a sharded
// model.safetensors.index.json, mapped (not copied) from disk or viewed in
// place in memory.
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
  // Opens the safetensors weights of a checkpoint's files.
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
  const std::string& source() const { return source_; }

 private:
  void add_file(const FileBytes& bytes, const std::string& origin);

  std::string source_;
  std::vector<std::shared_ptr<const void>> owners_;  // keep the bytes alive
  std::map<std::string, TensorView> tensors_;
};

}  // namespace cappy
