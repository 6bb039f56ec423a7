#include "model/model_files.h"

#include "cappy/cappy.h"
#include "util/mapped_file.h"

namespace cappy {
namespace {

class DirectoryFiles final : public ModelFiles {
 public:
  explicit DirectoryFiles(std::string directory) : directory_(std::move(directory)) {}

  bool has(const std::string& name) const override { return file_exists(origin(name)); }

  FileBytes open(const std::string& name) const override {
    auto file = std::make_shared<MappedFile>(origin(name));
    return FileBytes{file->data(), file->size(), file};
  }

  std::string origin(const std::string& name) const override { return join_path(directory_, name); }
  const std::string& description() const override { return directory_; }

 private:
  std::string directory_;
};

class MemoryFiles final : public ModelFiles {
 public:
  MemoryFiles(FileMap files, std::string description)
      : files_(std::move(files)), description_(std::move(description)) {}

  bool has(const std::string& name) const override { return files_.count(name) != 0; }

  FileBytes open(const std::string& name) const override {
    const auto it = files_.find(name);
    if (it == files_.end() || !it->second) throw Error(origin(name) + ": no such file");
    return FileBytes{it->second->data(), it->second->size(), it->second};
  }

  std::string origin(const std::string& name) const override { return description_ + ":" + name; }
  const std::string& description() const override { return description_; }

 private:
  FileMap files_;
  std::string description_;
};

}  // namespace

std::unique_ptr<ModelFiles> directory_files(const std::string& directory) {
  return std::make_unique<DirectoryFiles>(directory);
}

std::unique_ptr<ModelFiles> memory_files(FileMap files, std::string description) {
  return std::make_unique<MemoryFiles>(std::move(files), std::move(description));
}

}  // namespace cappy
