// Picking a CPU kernel by environment variable (CAPPY_Q8_KERNEL,
// CAPPY_BF16_KERNEL, CAPPY_F32_GEMM), one way for every variable: an unknown name is refused
// with the list of names it takes, one this CPU or build lacks with why.
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

#include "cappy/cappy.h"

namespace cappy::cpu {

// The kernel of `all` that `var` names (name(k) == its value); nullopt when
// the variable is unset or empty. Throws cappy::Error for an unknown name
// ("unknown <what> (names)") or one that supported(k) refuses ("<why_not>").
template <class Kernel, class Name, class Supported>
std::optional<Kernel> kernel_from_env(const char* var, std::initializer_list<Kernel> all, Name name,
                                      Supported supported, const char* what = "kernel",
                                      const char* why_not = "this CPU or build does not support it") {
  const char* env = std::getenv(var);
  if (!env || !*env) return std::nullopt;
  const std::string value = env, setting = std::string(var) + "=" + value;
  std::string names;
  for (Kernel k : all) {
    if (value == name(k)) {
      if (!supported(k)) throw Error(setting + ": " + why_not);
      return k;
    }
    names += (names.empty() ? "" : ", ") + std::string(name(k));
  }
  throw Error(setting + ": unknown " + what + " (" + names + ")");
}

}  // namespace cappy::cpu
