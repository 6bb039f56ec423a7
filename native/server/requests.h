// Request bodies of the scoring endpoints: parsed, validated, and reduced to
// what the scorer needs. Every rejection is an HttpError naming the field:
// 400 when the body is not JSON (or not UTF-8), 422 when it is JSON of the
// wrong shape (missing field, wrong type, empty list, bad value), 413 when it
// asks for more documents than the server takes.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cappy::server {

// One query (Cappy's instruction) against several texts (its responses).
struct ScoringRequest {
  std::string query;
  std::vector<std::string> texts;
};

// POST /v1/rerank (Cohere / Jina).
struct CohereRerankRequest : ScoringRequest {
  std::size_t top_n = 0;  // 0: every document
  bool return_documents = false;
  bool sigmoid = false;  // "normalize": "sigmoid"; raw logits otherwise
};

// POST /rerank (HF text-embeddings-inference).
struct TeiRerankRequest : ScoringRequest {
  bool raw_scores = false;  // TEI's default is sigmoid scores
  bool return_text = false;
};

// The body as JSON; 400 if it is empty, not UTF-8 or not JSON.
nlohmann::json parse_json_body(std::string_view body);

// max_documents bounds the texts of one request (413 beyond it).
CohereRerankRequest parse_cohere_rerank(const nlohmann::json& body, std::size_t max_documents);
TeiRerankRequest parse_tei_rerank(const nlohmann::json& body, std::size_t max_documents);
ScoringRequest parse_score(const nlohmann::json& body, std::size_t max_documents);  // /v1/score

}  // namespace cappy::server
