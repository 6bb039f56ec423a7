// The built-in sample set of `cappy eval` / `cappy convert --report`:
// tests/fixtures/eval-set.jsonl, compiled in (tools/make_eval_set.py makes it).
#pragma once

#include <string_view>

namespace cappy::cli {

std::string_view builtin_eval_set();

}  // namespace cappy::cli
