#include "backend/plan/wgsl_kernels.h"

#include "cappy/cappy.h"

namespace cappy::plan {

const std::map<std::string, std::string>& wgsl_kernels() {
  static const std::map<std::string, std::string> sources = {
#include "wgsl_sources.inc"
  };
  return sources;
}

const std::string& wgsl_kernel_source(const std::string& name) {
  auto it = wgsl_kernels().find(name);
  if (it == wgsl_kernels().end()) throw Error("no WGSL kernel named '" + name + "'");
  return it->second;
}

}  // namespace cappy::plan
