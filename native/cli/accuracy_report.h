// Scores a sample set with a reference and a candidate model and reports how
// far apart they are (shared by `cappy eval` and `cappy convert --report`).
#pragma once

#include <string>
#include <vector>

#include "cappy/cappy.h"
#include "convert/accuracy.h"

namespace cappy::cli {

// The sample set at `path`, or the built-in one when path is empty.
std::vector<EvalGroup> load_eval_set(const std::string& path);

AccuracyReport evaluate(const Scorer& reference, const Scorer& candidate,
                        const std::vector<EvalGroup>& samples, const ScoreOptions& options);

// Human-readable lines on stderr and one JSON object on stdout.
void print_report(const AccuracyReport& r, const std::string& reference, const std::string& candidate);

}  // namespace cappy::cli
