#include "model/config.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "cappy/cappy.h"
#include "util/json_file.h"

namespace cappy {

namespace {

using nlohmann::json;

int get_int(const json& j, const char* key, const std::string& origin, int lo, int hi,
            std::optional<int> fallback = std::nullopt) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    throw Error(origin + ": missing field \"" + key + "\"");
  }
  if (!it->is_number_integer()) throw Error(origin + ": field \"" + key + "\" must be an integer");
  long long v = it->get<long long>();
  if (v < lo || v > hi)
    throw Error(origin + ": field \"" + key + "\" = " + std::to_string(v) + " is out of range [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(v);
}

Family family_of(const std::string& model_type, const std::string& architecture,
                 const std::string& origin) {
  // Architectures whose graph is RoBERTa's or BERT's with a classification head.
  if (model_type == "roberta" || model_type == "xlm-roberta" || model_type == "camembert")
    return Family::Roberta;
  if (model_type == "bert") return Family::Bert;
  throw Error(origin + ": unsupported model_type \"" + model_type + "\" (architecture \"" +
              architecture + "\"); supported: roberta, xlm-roberta, camembert, bert");
}

}  // namespace

ModelSpec parse_config(const std::string& json_text, const std::string& origin) {
  const json j = parse_json(json_text, origin);
  if (!j.is_object()) throw Error(origin + ": expected a JSON object");

  ModelSpec s;
  if (auto it = j.find("architectures"); it != j.end() && it->is_array() && !it->empty() &&
                                         (*it)[0].is_string())
    s.architecture = (*it)[0].get<std::string>();
  if (auto it = j.find("model_type"); it != j.end() && it->is_string())
    s.model_type = it->get<std::string>();
  else
    throw Error(origin + ": missing field \"model_type\"");

  static const char* kSupported[] = {"RobertaForSequenceClassification",
                                     "XLMRobertaForSequenceClassification",
                                     "CamembertForSequenceClassification",
                                     "BertForSequenceClassification"};
  bool known = s.architecture.empty();  // old configs omit it; model_type decides
  for (const char* a : kSupported) known = known || s.architecture == a;
  if (!known)
    throw Error(origin + ": unsupported architecture \"" + s.architecture +
                "\"; supported: *ForSequenceClassification of RoBERTa, XLM-R, CamemBERT, BERT");
  s.family = family_of(s.model_type, s.architecture, origin);
  if (s.architecture.empty())
    s.architecture = s.family == Family::Roberta ? "RobertaForSequenceClassification"
                                                 : "BertForSequenceClassification";

  s.vocab_size = get_int(j, "vocab_size", origin, 1, 1 << 24);
  s.hidden_size = get_int(j, "hidden_size", origin, 1, 1 << 16);
  s.num_layers = get_int(j, "num_hidden_layers", origin, 1, 1024);
  s.num_heads = get_int(j, "num_attention_heads", origin, 1, 1024);
  s.intermediate_size = get_int(j, "intermediate_size", origin, 1, 1 << 18);
  s.max_position_embeddings = get_int(j, "max_position_embeddings", origin, 1, 1 << 20);
  s.type_vocab_size = get_int(j, "type_vocab_size", origin, 1, 1024, 2);
  s.pad_token_id = get_int(j, "pad_token_id", origin, 0, s.vocab_size - 1,
                           s.family == Family::Roberta ? 1 : 0);
  if (s.hidden_size % s.num_heads != 0)
    throw Error(origin + ": hidden_size " + std::to_string(s.hidden_size) +
                " is not a multiple of num_attention_heads " + std::to_string(s.num_heads));
  if (s.max_positions_for_tokens() < 3)
    throw Error(origin + ": max_position_embeddings is too small for a pair encoding");

  // num_labels is implied by id2label in HF configs; "num_labels" is honoured too.
  s.num_labels = 1;
  if (auto it = j.find("id2label"); it != j.end() && it->is_object() && !it->empty())
    s.num_labels = static_cast<int>(it->size());
  if (j.contains("num_labels")) s.num_labels = get_int(j, "num_labels", origin, 1, 1 << 16);

  if (auto it = j.find("layer_norm_eps"); it != j.end()) {
    if (!it->is_number()) throw Error(origin + ": field \"layer_norm_eps\" must be a number");
    double eps = it->get<double>();
    if (!(eps > 0 && eps < 1)) throw Error(origin + ": field \"layer_norm_eps\" is out of range");
    s.layer_norm_eps = static_cast<float>(eps);
  } else {
    s.layer_norm_eps = 1e-12f;  // HF's default for both families
  }
  if (auto it = j.find("hidden_act"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>() != "gelu")
      throw Error(origin + ": hidden_act " + it->dump() +
                  " is not supported; only \"gelu\" (the exact erf form)");
  }
  return s;
}

}  // namespace cappy
