#include "accuracy_report.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "builtin_eval_set.h"
#include "progress_bar.h"
#include "util/mapped_file.h"

namespace cappy::cli {

std::vector<EvalGroup> load_eval_set(const std::string& path) {
  if (path.empty()) return parse_eval_set(builtin_eval_set(), "built-in eval set");
  return parse_eval_set(read_text_file(path), path);
}

AccuracyReport evaluate(const Scorer& reference, const Scorer& candidate,
                        const std::vector<EvalGroup>& samples, const ScoreOptions& options) {
  std::vector<std::vector<float>> ref, got;
  ProgressBar bar("scoring");
  const std::size_t ref_labels = reference.info().num_labels, labels = candidate.info().num_labels;
  if (ref_labels != labels) throw Error("the models have different label counts");
  auto first_logits = [&](const std::vector<float>& logits) {
    std::vector<float> out;
    for (std::size_t i = 0; i < logits.size(); i += labels) out.push_back(logits[i]);
    return out;
  };
  for (std::size_t g = 0; g < samples.size(); ++g) {
    ref.push_back(first_logits(reference.score(samples[g].instruction, samples[g].responses, options)));
    got.push_back(first_logits(candidate.score(samples[g].instruction, samples[g].responses, options)));
    bar.update(g + 1, samples.size());
  }
  bar.finish();
  return compare_scores(ref, got);
}

void print_report(const AccuracyReport& r, const std::string& reference, const std::string& candidate) {
  std::fprintf(stderr,
               "%s vs %s on %zu instructions (%zu pairs):\n"
               "  max |dscore| %.6f, mean |dscore| %.6f\n"
               "  top-1 agreement %.1f%%, Kendall tau mean %.4f (min %.4f)\n"
               "  reference: mean top-1 margin %.6f, mean spread %.6f; largest margin where "
               "top-1 changed %.6f\n",
               candidate.c_str(), reference.c_str(), r.groups, r.pairs, r.max_abs_diff,
               r.mean_abs_diff, 100 * r.top1_agreement, r.mean_kendall_tau, r.min_kendall_tau,
               r.mean_top1_margin, r.mean_spread, r.max_margin_of_disagreement);
  nlohmann::json j = {{"reference", reference},
                      {"candidate", candidate},
                      {"groups", r.groups},
                      {"pairs", r.pairs},
                      {"max_abs_diff", r.max_abs_diff},
                      {"mean_abs_diff", r.mean_abs_diff},
                      {"top1_agreement", r.top1_agreement},
                      {"kendall_tau_mean", r.mean_kendall_tau},
                      {"kendall_tau_min", r.min_kendall_tau},
                      {"reference_mean_top1_margin", r.mean_top1_margin},
                      {"reference_mean_spread", r.mean_spread},
                      {"max_margin_of_disagreement", r.max_margin_of_disagreement}};
  std::cout << j.dump() << "\n";
}

}  // namespace cappy::cli
