// A read-only view of a whole file: memory-mapped where the platform can,
// read into memory otherwise (Emscripten's file system).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cappy {

class MappedFile {
 public:
  // Throws cappy::Error naming the path when it cannot be opened or read.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::uint8_t> fallback_;  // when mmap is unavailable
};

// Reads a small text file (config, vocabulary) whole.
std::string read_text_file(const std::string& path);
bool file_exists(const std::string& path);
std::string join_path(const std::string& dir, const std::string& name);

}  // namespace cappy
