#include "api.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cli/json_output.h"
#include "http_error.h"

namespace cappy::server {

namespace {

using cli::json_float;
using cli::json_string;

// Indices best first by the first label's logit; ties keep request order,
// NaN (a broken model) ranks last instead of breaking the sort.
std::vector<std::size_t> best_first(const std::vector<float>& logits, std::size_t labels,
                                    std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i) {
    const float v = logits[i * labels];
    return std::isnan(v) ? -INFINITY : v;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
  return order;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

Api::Api(const Scorer& scorer, Batcher& batcher, std::string model_name, std::size_t max_documents)
    : scorer_(scorer),
      batcher_(batcher),
      model_name_(std::move(model_name)),
      max_documents_(max_documents),
      labels_(static_cast<std::size_t>(scorer.info().num_labels)) {}

Api::Scored Api::run(const ScoringRequest& request, const char* field) const {
  Scored out;
  std::vector<Encoding> encodings;
  encodings.reserve(request.texts.size());
  for (std::size_t i = 0; i < request.texts.size(); ++i) {
    try {
      encodings.push_back(scorer_.encode(request.query, request.texts[i]));
    } catch (const Error& e) {
      throw HttpError(422, kInvalidRequest,
                      std::string(field) + "[" + std::to_string(i) + "]: " + e.what());
    }
    out.tokens += encodings.back().ids.size();
  }
  auto future = batcher_.submit(std::move(encodings));
  if (!future)
    throw HttpError(429, kOverloaded,
                    "the server is at its limit of concurrent requests; retry later");
  try {
    out.logits = future->get();
  } catch (const Error& e) {
    throw HttpError(500, kServerError, std::string("scoring failed: ") + e.what());
  }
  return out;
}

std::string Api::cohere_rerank(std::string_view body) const {
  const CohereRerankRequest r = parse_cohere_rerank(parse_json_body(body), max_documents_);
  const Scored s = run(r, "documents");
  std::vector<std::size_t> order = best_first(s.logits, labels_, r.texts.size());
  if (r.top_n > 0 && r.top_n < order.size()) order.resize(r.top_n);
  std::string out = "{\"model\":" + json_string(model_name_) + ",\"results\":[";
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const float logit = s.logits[i * labels_];
    if (k) out += ',';
    out += "{\"index\":" + std::to_string(i) +
           ",\"relevance_score\":" + json_float(r.sigmoid ? sigmoid(logit) : logit);
    if (r.return_documents) out += ",\"document\":{\"text\":" + json_string(r.texts[i]) + "}";
    out += '}';
  }
  out += "],\"usage\":{\"total_tokens\":" + std::to_string(s.tokens) + "}}";
  return out;
}

std::string Api::tei_rerank(std::string_view body) const {
  const TeiRerankRequest r = parse_tei_rerank(parse_json_body(body), max_documents_);
  const Scored s = run(r, "texts");
  const std::vector<std::size_t> order = best_first(s.logits, labels_, r.texts.size());
  std::string out = "[";
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const float logit = s.logits[i * labels_];
    if (k) out += ',';
    out += "{\"index\":" + std::to_string(i) +
           ",\"score\":" + json_float(r.raw_scores ? logit : sigmoid(logit));
    if (r.return_text) out += ",\"text\":" + json_string(r.texts[i]);
    out += '}';
  }
  out += ']';
  return out;
}

std::string Api::score(std::string_view body) const {
  const ScoringRequest r = parse_score(parse_json_body(body), max_documents_);
  const Scored s = run(r, "responses");
  const std::size_t n = r.texts.size();
  std::string out = "{\"scores\":[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += json_float(s.logits[i * labels_]);
  }
  out += ']';
  if (labels_ > 1) {
    out += ",\"logits\":[";
    for (std::size_t i = 0; i < n; ++i) {
      out += i ? ",[" : "[";
      for (std::size_t l = 0; l < labels_; ++l) {
        if (l) out += ',';
        out += json_float(s.logits[i * labels_ + l]);
      }
      out += ']';
    }
    out += ']';
  }
  out += '}';
  return out;
}

std::string Api::health() const {
  return "{\"status\":\"ok\",\"model\":" + json_string(model_name_) + "}";
}

}  // namespace cappy::server
