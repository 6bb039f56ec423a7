// The scoring endpoints without the HTTP plumbing: a request body in, a JSON
// response body out, or an HttpError. Each request's pairs are encoded here
// (on the HTTP thread, which also gives their token counts) and scored by
// the shared Batcher.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "batcher.h"
#include "cappy/cappy.h"
#include "requests.h"

namespace cappy::server {

class Api {
 public:
  // model_name: what responses report as "model".
  Api(const Scorer& scorer, Batcher& batcher, std::string model_name, std::size_t max_documents);

  // POST /v1/rerank: {model, results: [{index, relevance_score, document?}], usage}.
  std::string cohere_rerank(std::string_view body) const;
  // POST /rerank: [{index, score, text?}], best first.
  std::string tei_rerank(std::string_view body) const;
  // POST /v1/score: {scores} in request order (and "logits" with every label
  // when the model has several), exactly as `cappy score` prints them.
  std::string score(std::string_view body) const;
  // GET /health.
  std::string health() const;

 private:
  struct Scored {
    std::vector<float> logits;  // [texts x labels]
    std::size_t tokens = 0;
  };
  // field names the texts in error messages ("documents", "texts", ...).
  Scored run(const ScoringRequest& request, const char* field) const;

  const Scorer& scorer_;
  Batcher& batcher_;
  const std::string model_name_;
  const std::size_t max_documents_;
  const std::size_t labels_;
};

}  // namespace cappy::server
