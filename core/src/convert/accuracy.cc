#include "convert/accuracy.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cappy/cappy.h"

namespace cappy {

std::vector<EvalGroup> parse_eval_set(std::string_view text, const std::string& origin) {
  std::vector<EvalGroup> out;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = origin + ":" + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
      throw Error(where + ": malformed JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("instruction") || !j["instruction"].is_string() ||
        !j.contains("responses") || !j["responses"].is_array() || j["responses"].empty())
      throw Error(where + ": expected {\"instruction\": str, \"responses\": [str, ...]}");
    EvalGroup g;
    g.instruction = j["instruction"].get<std::string>();
    for (const auto& r : j["responses"]) {
      if (!r.is_string()) throw Error(where + ": responses must be strings");
      g.responses.push_back(r.get<std::string>());
    }
    out.push_back(std::move(g));
  }
  if (out.empty()) throw Error(origin + ": no samples");
  return out;
}

double kendall_tau_b(const std::vector<float>& a, const std::vector<float>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) ties_a += 1;
      else if (db == 0) ties_b += 1;
      else if ((da > 0) == (db > 0)) concordant += 1;
      else discordant += 1;
    }
  const double denom = std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom == 0 ? 1.0 : (concordant - discordant) / denom;
}

AccuracyReport compare_scores(const std::vector<std::vector<float>>& reference,
                              const std::vector<std::vector<float>>& candidate) {
  if (reference.size() != candidate.size()) throw Error("compare_scores: group counts differ");
  AccuracyReport r;
  r.groups = reference.size();
  r.min_kendall_tau = 1;
  double sum_abs = 0, agree = 0, tau_sum = 0, margin_sum = 0, spread_sum = 0;
  for (std::size_t g = 0; g < reference.size(); ++g) {
    const auto& ref = reference[g];
    const auto& got = candidate[g];
    if (ref.size() != got.size() || ref.empty()) throw Error("compare_scores: group sizes differ");
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const double d = std::fabs(static_cast<double>(got[i]) - ref[i]);
      r.max_abs_diff = std::max(r.max_abs_diff, d);
      sum_abs += d;
      ++r.pairs;
    }
    const auto best_ref = std::max_element(ref.begin(), ref.end()) - ref.begin();
    const auto best_got = std::max_element(got.begin(), got.end()) - got.begin();
    agree += best_ref == best_got;
    const double tau = kendall_tau_b(ref, got);
    tau_sum += tau;
    r.min_kendall_tau = std::min(r.min_kendall_tau, tau);
    std::vector<float> sorted = ref;
    std::sort(sorted.rbegin(), sorted.rend());
    const double margin = sorted.size() > 1 ? sorted[0] - sorted[1] : 0.0;
    margin_sum += margin;
    if (best_ref != best_got) r.max_margin_of_disagreement = std::max(r.max_margin_of_disagreement, margin);
    spread_sum += sorted.front() - sorted.back();
  }
  r.mean_abs_diff = sum_abs / static_cast<double>(r.pairs);
  r.top1_agreement = agree / static_cast<double>(r.groups);
  r.mean_kendall_tau = tau_sum / static_cast<double>(r.groups);
  r.mean_top1_margin = margin_sum / static_cast<double>(r.groups);
  r.mean_spread = spread_sum / static_cast<double>(r.groups);
  return r;
}

}  // namespace cappy
