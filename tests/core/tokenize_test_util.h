// Helpers shared by the tokenizer tests.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>

#include <unistd.h>

namespace cappy::test_util {

// Copies `files` of `source` into a fresh folder under the test tmp dir, so
// that load_tokenizer takes the older files' route; returns the folder.
inline std::string copy_without_tokenizer_json(const std::string& source, const std::string& name,
                                               std::initializer_list<const char*> files) {
  namespace fs = std::filesystem;
  // ctest runs each test in its own process, in parallel, and every process
  // sets the suite up: the folder must be per process.
  const fs::path dir = fs::path(CAPPY_TEST_TMP_DIR) / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : files) {
    if (fs::exists(fs::path(source) / file)) fs::copy_file(fs::path(source) / file, dir / file);
  }
  return dir.string();
}

}  // namespace cappy::test_util
