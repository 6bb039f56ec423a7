#include "default_model.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "cappy/cappy.h"

namespace cappy::cli {

namespace fs = std::filesystem;

namespace {

// The running executable, symlinks resolved (Linux: /proc/self/exe); empty if unknown.
fs::path executable_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

}  // namespace

std::string resolve_model(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("CAPPY_MODEL"); env != nullptr && *env != '\0') return env;
  const fs::path exe = executable_path();
  if (exe.empty()) {
    throw Error(std::string("no --model given, CAPPY_MODEL is not set, and the cappy executable's "
                            "location (to find ") + kDefaultModelFile + ") is unknown");
  }
  fs::path dir = exe.parent_path();
  for (int level = 0; level <= kDefaultModelSearchLevels; ++level) {
    const fs::path candidate = dir / kDefaultModelFile;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  throw Error("no --model given, CAPPY_MODEL is not set, and no " + std::string(kDefaultModelFile) +
              " in " + exe.parent_path().string() + " or the " + std::to_string(kDefaultModelSearchLevels) +
              " directories above it (scripts/train-mini makes it)");
}

}  // namespace cappy::cli
