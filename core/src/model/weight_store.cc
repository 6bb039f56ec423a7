#include "model/weight_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "cappy/cappy.h"
#include "util/json_file.h"
#include "util/mapped_file.h"
#include "model/bundle.h"
#include "model/gguf.h"
#include "model/safetensors.h"

namespace cappy {

void WeightStore::add_tensor(TensorView t, const std::string& origin) {
  std::string name = t.name;
  if (!tensors_.emplace(name, std::move(t)).second)
    throw Error(origin + ": tensor \"" + name + "\" appears in more than one shard");
}

void WeightStore::add_file(const FileBytes& bytes, const std::string& origin) {
  for (auto& t : parse_safetensors(bytes.data, bytes.size, origin)) add_tensor(std::move(t), origin);
  owners_.push_back(bytes.owner);
}

std::shared_ptr<const void> WeightStore::bytes_owner() const {
  return std::make_shared<const std::vector<std::shared_ptr<const void>>>(owners_);
}

WeightStore WeightStore::open_file(const std::string& path) {
  WeightStore store;
  store.source_ = path;
  auto file = std::make_shared<MappedFile>(path);
  store.add_file(FileBytes{file->data(), file->size(), file}, path);
  return store;
}

WeightStore WeightStore::open_directory(const std::string& directory) {
  return open(*directory_files(directory));
}

WeightStore WeightStore::open(const ModelFiles& files) {
  if (files.has(kBundleWeightsName)) {
    WeightStore store;
    store.source_ = files.origin(kBundleWeightsName);
    const FileBytes bytes = files.open(kBundleWeightsName);
    GgufFile gguf = parse_gguf(bytes.data, bytes.size, store.source_);
    if (gguf.find(kBundleQ8ActivationsKey)) {
      const std::string width(gguf.string(kBundleQ8ActivationsKey, store.source_));
      if (!is_q8_activation_width(width))
        throw Error(store.source_ + ": metadata \"" + kBundleQ8ActivationsKey + "\" must be \"int8\" or \"int16\", not \"" +
                    width + "\"");
      store.q8_activations_ = width;
    }
    for (auto& t : gguf.tensors) store.add_tensor(std::move(t), store.source_);
    store.owners_.push_back(bytes.owner);
    return store;
  }
  if (files.has("model.safetensors")) {
    WeightStore store;
    store.source_ = files.origin("model.safetensors");
    store.add_file(files.open("model.safetensors"), store.source_);
    return store;
  }

  const std::string index_name = "model.safetensors.index.json";
  const std::string index_path = files.origin(index_name);
  if (!files.has(index_name)) {
    std::string hint;
    if (files.has("pytorch_model.bin") || files.has("flax_model.msgpack"))
      hint = " (convert PyTorch or Flax weights first: cappy convert " + files.description() +
             " -o model.cappy)";
    throw Error(files.description() + ": no model.safetensors or model.safetensors.index.json" + hint);
  }
  const nlohmann::json index = parse_json(files.open(index_name).text(), index_path);
  auto map = index.find("weight_map");
  if (!index.is_object() || map == index.end() || !map->is_object())
    throw Error(index_path + ": missing \"weight_map\" object");

  WeightStore store;
  store.source_ = index_path;
  std::set<std::string> shards;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it->is_string()) throw Error(index_path + ": weight_map values must be file names");
    const std::string shard = it->get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      throw Error(index_path + ": shard name \"" + shard + "\" must be a plain file name");
    shards.insert(shard);
  }
  for (const auto& shard : shards) store.add_file(files.open(shard), files.origin(shard));
  // The index must not promise tensors that the shards lack.
  for (auto it = map->begin(); it != map->end(); ++it)
    if (!store.has(it.key()))
      throw Error(index_path + ": tensor \"" + it.key() + "\" is not in shard " +
                  it->get<std::string>());
  return store;
}

const TensorView& WeightStore::get(const std::string& name,
                                   const std::vector<std::int64_t>& shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error(source_ + ": missing tensor \"" + name + "\"");
  if (it->second.shape != shape)
    throw Error(it->second.file + ": tensor \"" + name + "\" has shape " +
                shape_text(it->second.shape) + " but the config implies " + shape_text(shape));
  return it->second;
}

std::vector<float> WeightStore::get_f32(const std::string& name,
                                        const std::vector<std::int64_t>& shape) const {
  const TensorView& t = get(name, shape);
  std::vector<float> out(static_cast<std::size_t>(t.numel()));
  convert_to_f32(t, out.data());
  return out;
}

}  // namespace cappy
