// HF config.json -> the model spec the encoder graph is built from.
#pragma once

#include <string>

namespace cappy {

// The encoder families that share one graph. They differ only in tensor
// names, position ids and the head.
enum class Family { Roberta, Bert };

struct ModelSpec {
  std::string architecture;  // "RobertaForSequenceClassification", ...
  std::string model_type;    // "roberta", "xlm-roberta", "bert", ...
  Family family = Family::Roberta;
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 1;
  int num_labels = 1;
  int pad_token_id = 1;
  float layer_norm_eps = 1e-5f;

  int head_dim() const { return hidden_size / num_heads; }
  // Longest pair encoding the position table allows: RoBERTa positions start
  // at pad_token_id + 1.
  int max_positions_for_tokens() const {
    return family == Family::Roberta ? max_position_embeddings - pad_token_id - 1
                                     : max_position_embeddings;
  }
  // Prefix of every tensor name ("roberta.", "bert.").
  std::string prefix() const { return family == Family::Roberta ? "roberta." : "bert."; }
};

// Parses config.json text; `origin` names the file in error messages.
// Throws cappy::Error on malformed JSON, missing or out-of-range fields and
// unknown architectures.
ModelSpec parse_config(const std::string& json_text, const std::string& origin);

}  // namespace cappy
