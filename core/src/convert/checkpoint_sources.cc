#include "convert/checkpoint_sources.h"

#include <set>

#include "cappy/cappy.h"
#include "convert/flax_checkpoint.h"
#include "convert/torch_checkpoint.h"
#include "model/weight_store.h"
#include "util/json_file.h"

namespace cappy {

namespace {

// The shard files named by an HF *.index.json.
std::set<std::string> index_shards(const ModelFiles& files, const std::string& index_name) {
  const std::string path = files.origin(index_name);
  const nlohmann::json index = parse_json(files.open(index_name).text(), path);
  auto map = index.find("weight_map");
  if (!index.is_object() || map == index.end() || !map->is_object())
    throw Error(path + ": missing \"weight_map\" object");
  std::set<std::string> shards;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it->is_string()) throw Error(path + ": weight_map values must be file names");
    const std::string shard = it->get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      throw Error(path + ": shard name \"" + shard + "\" must be a plain file name");
    shards.insert(shard);
  }
  return shards;
}

}  // namespace

SourceCheckpoint open_source_checkpoint(const ModelFiles& files) {
  SourceCheckpoint out;
  if (files.has("model.safetensors") || files.has("model.safetensors.index.json")) {
    out.format = "safetensors";
    auto store = std::make_shared<WeightStore>(WeightStore::open(files));
    for (const auto& [name, view] : store->tensors()) {
      SourceTensor t;
      t.name = name;
      t.dtype = view.dtype;
      t.shape = view.shape;
      t.strides = contiguous_strides(view.shape);
      t.storage = view.data;
      t.origin = view.file;
      out.tensors.push_back(std::move(t));
    }
    out.owners.push_back(store);
    return out;
  }
  if (files.has("pytorch_model.bin") || files.has("pytorch_model.bin.index.json")) {
    out.format = "pytorch";
    std::set<std::string> shards{"pytorch_model.bin"};
    if (!files.has("pytorch_model.bin")) shards = index_shards(files, "pytorch_model.bin.index.json");
    std::set<std::string> names;
    for (const auto& shard : shards) {
      const std::size_t first = out.tensors.size();
      read_torch_checkpoint(files.open(shard), files.origin(shard), &out);
      for (std::size_t k = first; k < out.tensors.size(); ++k)
        if (!names.insert(out.tensors[k].name).second)
          throw Error(files.origin(shard) + ": tensor \"" + out.tensors[k].name +
                      "\" appears twice (in one shard or in two)");
    }
    return out;
  }
  if (files.has("flax_model.msgpack")) {
    out.format = "flax";
    read_flax_checkpoint(files.open("flax_model.msgpack"), files.origin("flax_model.msgpack"), &out);
    return out;
  }
  throw Error(files.description() +
              ": no weights (model.safetensors, pytorch_model.bin or flax_model.msgpack)");
}

}  // namespace cappy
