// The files of one checkpoint by their HF names ("config.json",
// "model.safetensors", "tokenizer.json", ...), wherever they are kept: a
// directory on disk, a one-file bundle, or bytes handed over by JavaScript.
// Every loader (config, weights, tokenizer) reads through this, so each kind
// of source is written once and every loader works with all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

// Read-only bytes of one file; valid while `owner` lives (a mapping, a
// buffer). Copying a FileBytes shares the owner, never the bytes.
struct FileBytes {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::shared_ptr<const void> owner;

  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

class ModelFiles {
 public:
  virtual ~ModelFiles() = default;

  virtual bool has(const std::string& name) const = 0;
  // The file's bytes; throws cappy::Error naming it when it is missing.
  virtual FileBytes open(const std::string& name) const = 0;
  // How errors name the file: "dir/vocab.json", "model.cappy:vocab.json".
  virtual std::string origin(const std::string& name) const = 0;
  // The whole source, for ModelInfo::source and errors about the source.
  virtual const std::string& description() const = 0;
};

// The files of an HF checkpoint directory, mapped on demand.
std::unique_ptr<ModelFiles> directory_files(const std::string& directory);

// Files held in memory (the wasm module's route): name -> bytes.
using FileMap = std::map<std::string, std::shared_ptr<const std::vector<std::uint8_t>>>;
std::unique_ptr<ModelFiles> memory_files(FileMap files, std::string description);

}  // namespace cappy
