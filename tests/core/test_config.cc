#include <gtest/gtest.h>

#include "cappy/cappy.h"
#include "model/config.h"

namespace cappy {
namespace {

const char* kRoberta = R"({
  "architectures": ["RobertaForSequenceClassification"], "model_type": "roberta",
  "vocab_size": 50265, "hidden_size": 1024, "num_hidden_layers": 24,
  "num_attention_heads": 16, "intermediate_size": 4096, "max_position_embeddings": 514,
  "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1, "hidden_act": "gelu",
  "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}})";

std::string error_of(const std::string& json) {
  try {
    parse_config(json, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ParsesCappyLarge) {
  ModelSpec s = parse_config(kRoberta, "config.json");
  EXPECT_EQ(s.family, Family::Roberta);
  EXPECT_EQ(s.num_layers, 24);
  EXPECT_EQ(s.head_dim(), 64);
  EXPECT_EQ(s.num_labels, 1);
  EXPECT_FLOAT_EQ(s.layer_norm_eps, 1e-5f);
  EXPECT_EQ(s.max_positions_for_tokens(), 512);  // positions start at pad + 1
  EXPECT_EQ(s.prefix(), "roberta.");
}

TEST(Config, BertDefaultsAndLabels) {
  ModelSpec s = parse_config(R"({"architectures":["BertForSequenceClassification"],
    "model_type":"bert","vocab_size":30522,"hidden_size":384,"num_hidden_layers":6,
    "num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512,
    "id2label":{"0":"a","1":"b","2":"c"}})", "config.json");
  EXPECT_EQ(s.family, Family::Bert);
  EXPECT_EQ(s.num_labels, 3);
  EXPECT_EQ(s.type_vocab_size, 2);
  EXPECT_EQ(s.pad_token_id, 0);
  EXPECT_FLOAT_EQ(s.layer_norm_eps, 1e-12f);
  EXPECT_EQ(s.max_positions_for_tokens(), 512);
}

TEST(Config, XlmRobertaUsesTheRobertaGraph) {
  std::string j = kRoberta;
  j.replace(j.find("RobertaForSequenceClassification"), 32, "XLMRobertaForSequenceClassification");
  j.replace(j.find("\"roberta\""), 9, "\"xlm-roberta\"");
  EXPECT_EQ(parse_config(j, "c").family, Family::Roberta);
}

TEST(Config, RejectsUnknownArchitectureAndBadFields) {
  std::string unknown = kRoberta;
  unknown.replace(unknown.find("RobertaForSequenceClassification"), 32, "GPT2LMHeadModel");
  EXPECT_NE(error_of(unknown).find("unsupported architecture \"GPT2LMHeadModel\""), std::string::npos);
  EXPECT_NE(error_of("{not json").find("config.json: malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("[1,2]").find("expected a JSON object"), std::string::npos);
  std::string no_hidden = kRoberta;
  no_hidden.replace(no_hidden.find("\"hidden_size\": 1024,"), 20, "");
  EXPECT_NE(error_of(no_hidden).find("missing field \"hidden_size\""), std::string::npos);
  std::string heads = kRoberta;
  heads.replace(heads.find("\"num_attention_heads\": 16"), 25, "\"num_attention_heads\": 7");
  EXPECT_NE(error_of(heads).find("not a multiple"), std::string::npos);
  std::string huge = kRoberta;
  huge.replace(huge.find("\"hidden_size\": 1024"), 19, "\"hidden_size\": 99999999");
  EXPECT_NE(error_of(huge).find("out of range"), std::string::npos);
  std::string act = kRoberta;
  act.replace(act.find("\"gelu\""), 6, "\"relu\"");
  EXPECT_NE(error_of(act).find("hidden_act"), std::string::npos);
  std::string type = kRoberta;
  type.replace(type.find("\"vocab_size\": 50265"), 19, "\"vocab_size\": \"big\"");
  EXPECT_NE(error_of(type).find("must be an integer"), std::string::npos);
}

}  // namespace
}  // namespace cappy
