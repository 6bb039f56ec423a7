// How far a converted model's scores are from the reference's on a sample
// set of instructions with several candidate responses each: absolute score
// differences, agreement on the best candidate, and rank correlation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

struct EvalGroup {
  std::string instruction;
  std::vector<std::string> responses;
};

// JSON Lines {"instruction": str, "responses": [str, ...]} (the `cappy score`
// input); blank lines skipped. Throws cappy::Error "<origin>:<line>: ...".
std::vector<EvalGroup> parse_eval_set(std::string_view text, const std::string& origin);

struct AccuracyReport {
  std::size_t groups = 0, pairs = 0;
  double max_abs_diff = 0, mean_abs_diff = 0;
  double top1_agreement = 0;  // fraction of groups whose best candidate is the same
  double mean_kendall_tau = 0;  // tau-b per group, averaged
  double min_kendall_tau = 0;
  // How separable the reference's scores are: the mean gap between its best
  // and second-best candidate, and its mean spread (max - min) per group.
  double mean_top1_margin = 0, mean_spread = 0;
  // The largest reference top-1 margin among the groups whose best candidate
  // changed (0 when none did): flips below the score noise are expected.
  double max_margin_of_disagreement = 0;
};

// scores[g][i]: the first logit of group g's response i, for each model.
AccuracyReport compare_scores(const std::vector<std::vector<float>>& reference,
                              const std::vector<std::vector<float>>& candidate);

// Kendall's tau-b of two score lists (ties counted as in tau-b); 1 for lists
// shorter than 2 or with no untied pair in either.
double kendall_tau_b(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace cappy
