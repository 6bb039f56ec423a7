#include "requests.h"

#include "cappy/cappy.h"
#include "http_error.h"
#include "util/utf8.h"

namespace cappy::server {

namespace {

using nlohmann::json;

[[noreturn]] void reject(const std::string& message) {
  throw HttpError(422, kInvalidRequest, message);
}

const json& object_of(const json& body) {
  if (!body.is_object()) reject("the request body must be a JSON object");
  return body;
}

// The field, or nullptr when it is absent or null (optional fields may be null).
const json* find(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string required_string(const json& obj, const char* name) {
  const json* v = find(obj, name);
  if (!v) reject(std::string("missing \"") + name + "\" (a string)");
  if (!v->is_string()) reject(std::string("\"") + name + "\" must be a string");
  return v->get<std::string>();
}

bool optional_bool(const json& obj, const char* name, bool fallback) {
  const json* v = find(obj, name);
  if (!v) return fallback;
  if (!v->is_boolean()) reject(std::string("\"") + name + "\" must be true or false");
  return v->get<bool>();
}

// A non-empty array of texts. With allow_objects, an element may also be
// {"text": string} (Cohere's and Jina's document objects).
std::vector<std::string> text_list(const json& obj, const char* name, std::size_t max_documents,
                                   bool allow_objects) {
  const std::string kind = allow_objects ? "strings or {\"text\": string} objects"
                                         : "strings";
  const json* v = find(obj, name);
  if (!v) reject(std::string("missing \"") + name + "\" (an array of " + kind + ")");
  if (!v->is_array()) reject(std::string("\"") + name + "\" must be an array of " + kind);
  if (v->empty()) reject(std::string("\"") + name + "\" is empty");
  if (v->size() > max_documents)
    throw HttpError(413, kTooLarge,
                    std::string("too many ") + name + ": " + std::to_string(v->size()) +
                        " (this server takes at most " + std::to_string(max_documents) +
                        " per request; see --max-documents)");
  std::vector<std::string> texts;
  texts.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& x = (*v)[i];
    const json* text = &x;
    if (allow_objects && x.is_object()) {
      auto it = x.find("text");
      text = it == x.end() ? nullptr : &*it;
    }
    if (!text || !text->is_string())
      reject(std::string(name) + "[" + std::to_string(i) + "] must be " +
             (allow_objects ? "a string or {\"text\": string}" : "a string"));
    texts.push_back(text->get<std::string>());
  }
  return texts;
}

}  // namespace

json parse_json_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw HttpError(400, kInvalidRequest, "empty request body (expected a JSON object)");
  // Checked before parsing so the message says what is wrong and where;
  // nlohmann would reject it too, as an unspecific parse error.
  try {
    validate_utf8(body);
  } catch (const Error& e) {
    throw HttpError(400, kInvalidRequest, std::string("request body is not UTF-8: ") + e.what());
  }
  try {
    return json::parse(body);
  } catch (const json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
    // The message quotes the bytes read last; keep only the explanation.
    std::string why = e.what();
    why = why.substr(0, why.find("; last read"));
    throw HttpError(400, kInvalidRequest, "malformed JSON: " + why);
  }
}

CohereRerankRequest parse_cohere_rerank(const json& body, std::size_t max_documents) {
  const json& obj = object_of(body);
  CohereRerankRequest r;
  if (const json* model = find(obj, "model"); model && !model->is_string())
    reject("\"model\" must be a string");
  r.query = required_string(obj, "query");
  r.texts = text_list(obj, "documents", max_documents, /*allow_objects=*/true);
  if (const json* top_n = find(obj, "top_n")) {
    // nlohmann parses non-negative integers as unsigned, negative ones as signed.
    if (!top_n->is_number_unsigned() || top_n->get<std::uint64_t>() < 1)
      reject("\"top_n\" must be a positive integer");
    r.top_n = top_n->get<std::size_t>();
  }
  r.return_documents = optional_bool(obj, "return_documents", false);
  if (const json* normalize = find(obj, "normalize")) {
    if (!normalize->is_string() || (*normalize != "sigmoid" && *normalize != "none"))
      reject("\"normalize\" must be \"sigmoid\" or \"none\"");
    r.sigmoid = *normalize == "sigmoid";
  }
  return r;
}

TeiRerankRequest parse_tei_rerank(const json& body, std::size_t max_documents) {
  const json& obj = object_of(body);
  TeiRerankRequest r;
  r.query = required_string(obj, "query");
  r.texts = text_list(obj, "texts", max_documents, /*allow_objects=*/false);
  r.raw_scores = optional_bool(obj, "raw_scores", false);
  r.return_text = optional_bool(obj, "return_text", false);
  // Pairs are always truncated to the model's length (longest_first), so
  // "truncate" changes nothing; it is still type-checked.
  optional_bool(obj, "truncate", false);
  return r;
}

ScoringRequest parse_score(const json& body, std::size_t max_documents) {
  const json& obj = object_of(body);
  ScoringRequest r;
  r.query = required_string(obj, "instruction");
  r.texts = text_list(obj, "responses", max_documents, /*allow_objects=*/false);
  return r;
}

}  // namespace cappy::server
