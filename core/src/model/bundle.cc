#include "model/bundle.h"

#include <cstdio>
#include <map>

#include "cappy/cappy.h"
#include "util/mapped_file.h"

namespace cappy {

namespace {

class BundleFiles final : public ModelFiles {
 public:
  BundleFiles(FileBytes whole, std::string description)
      : whole_(std::move(whole)), description_(std::move(description)) {
    const GgufFile g = parse_gguf(whole_.data, whole_.size, description_);
    const GgufValue* arch = g.find("general.architecture");
    if (!arch || arch->type != GgufType::STRING || arch->str != kBundleArchitecture)
      throw Error(description_ + ": a GGUF file but not a Cappy bundle (general.architecture is " +
                  (arch && arch->type == GgufType::STRING ? "\"" + std::string(arch->str) + "\""
                                                          : std::string("missing")) +
                  ", expected \"cappy\")");
    const GgufValue* version = g.find(kBundleVersionKey);
    if (!version || version->type != GgufType::U32)
      throw Error(description_ + ": missing u32 metadata \"" + kBundleVersionKey + "\"");
    if (version->u != kBundleVersion)
      throw Error(description_ + ": bundle version " + std::to_string(version->u) +
                  " is not supported (this build reads version " + std::to_string(kBundleVersion) + ")");

    const std::string prefix = kBundleFilePrefix;
    for (const auto& [key, value] : g.metadata) {
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string name = key.substr(prefix.size());
      if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
          name == "." || name == ".." || name == kBundleWeightsName)
        throw Error(description_ + ": embedded file name \"" + name + "\" is not allowed");
      std::string_view bytes;
      if (value.type == GgufType::STRING) {
        bytes = value.str;
      } else if (value.type == GgufType::ARRAY && value.elem_type == GgufType::U8) {
        bytes = value.raw;
      } else {
        throw Error(description_ + ": metadata \"" + key + "\" must be a string or a u8 array");
      }
      if (files_.size() >= kMaxBundleFiles)
        throw Error(description_ + ": more than " + std::to_string(kMaxBundleFiles) + " embedded files");
      files_[name] = FileBytes{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                               whole_.owner};
    }
    if (!files_.count("config.json")) throw Error(description_ + ": the bundle has no config.json");
  }

  bool has(const std::string& name) const override {
    return name == kBundleWeightsName || files_.count(name) != 0;
  }

  FileBytes open(const std::string& name) const override {
    if (name == kBundleWeightsName) return whole_;
    auto it = files_.find(name);
    if (it == files_.end()) throw Error(origin(name) + ": no such file in the bundle");
    return it->second;
  }

  std::string origin(const std::string& name) const override {
    return name == kBundleWeightsName ? description_ : description_ + ":" + name;
  }
  const std::string& description() const override { return description_; }

 private:
  FileBytes whole_;
  std::string description_;
  std::map<std::string, FileBytes> files_;
};

}  // namespace

bool is_bundle_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::uint8_t magic[4];
  const bool ok = std::fread(magic, 1, 4, f) == 4 && has_gguf_magic(magic, 4);
  std::fclose(f);
  return ok;
}

std::unique_ptr<ModelFiles> open_model_files(const std::string& path) {
  if (!file_exists(path)) return directory_files(path);
  if (!is_bundle_file(path))
    throw Error(path + ": expected a Cappy bundle (GGUF, made by `cappy convert`) or an HF "
                       "checkpoint directory (config.json, model.safetensors, tokenizer files)");
  return bundle_files(path);
}

std::unique_ptr<ModelFiles> bundle_files(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  return std::make_unique<BundleFiles>(FileBytes{file->data(), file->size(), file}, path);
}

std::unique_ptr<ModelFiles> bundle_files(std::shared_ptr<const std::vector<std::uint8_t>> bytes,
                                         std::string description) {
  if (!bytes) throw Error(description + ": no bytes");
  FileBytes whole{bytes->data(), bytes->size(), bytes};
  return std::make_unique<BundleFiles>(std::move(whole), std::move(description));
}

}  // namespace cappy
