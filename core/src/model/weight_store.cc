#include "model/weight_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "cappy/cappy.h"
#include "util/json_file.h"
#include "model/safetensors.h"

namespace cappy {

void WeightStore::add_file(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  for (auto& t : parse_safetensors(file->data(), file->size(), path)) {
    std::string name = t.name;
    if (!tensors_.emplace(name, std::move(t)).second)
      throw Error(path + ": tensor \"" + name + "\" appears in more than one shard");
  }
  files_.push_back(std::move(file));
}

WeightStore WeightStore::open_file(const std::string& path) {
  WeightStore store;
  store.source_ = path;
  store.add_file(path);
  return store;
}

WeightStore WeightStore::open_directory(const std::string& directory) {
  const std::string single = join_path(directory, "model.safetensors");
  if (file_exists(single)) return open_file(single);

  const std::string index_path = join_path(directory, "model.safetensors.index.json");
  if (!file_exists(index_path)) {
    std::string hint;
    if (file_exists(join_path(directory, "pytorch_model.bin")))
      hint = " (pytorch_model.bin is not read yet: convert it to safetensors)";
    throw Error(directory + ": no model.safetensors or model.safetensors.index.json" + hint);
  }
  const nlohmann::json index = read_json_file(index_path);
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
  for (const auto& shard : shards) store.add_file(join_path(directory, shard));
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
