// BPE that is not byte-level (char_bpe_model.h) on hand-made vocabularies,
// with expectations worked out by hand from HF's rules (models/bpe/model.rs
// merge_word, word.rs merge_all), and tokenizer.json's BPE errors. The
// conformance suite (tests/tokenizers) checks the same against HF itself on
// trained vocabularies.
#include <gtest/gtest.h>

#include <string>

#include "cappy/cappy.h"
#include "tokenize/char_bpe_model.h"
#include "tokenize/loaders.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;
using Merges = std::vector<std::pair<std::string, std::string>>;

Vocab vocab_of(const std::vector<std::string>& tokens) {
  Vocab v;
  for (std::size_t i = 0; i < tokens.size(); ++i) v.add(tokens[i], static_cast<std::int32_t>(i));
  return v;
}

Ids encode(const CharBpeModel& m, std::string_view word) {
  Ids ids;
  m.encode_word(word, ids);
  return ids;
}

TEST(CharBpeModel, MergesByRankLeftmostFirst) {
  //                       0      1    2    3    4     5     6
  const Vocab v = vocab_of({"<unk>", "a", "b", "c", "ab", "bc", "abc"});
  CharBpeModel::Options o;
  o.unk_id = 0;
  // bc ranks first: a + bc, then no merge "a bc" is listed.
  const CharBpeModel m(v, Merges{{"b", "c"}, {"a", "b"}}, o);
  EXPECT_EQ(encode(m, "abc"), (Ids{1, 5}));
  EXPECT_EQ(encode(m, "abab"), (Ids{4, 4}));
  EXPECT_EQ(encode(m, "bbb"), (Ids{2, 2, 2}));
  EXPECT_TRUE(encode(m, "").empty());
  // "a b" first: ab + c, then "ab c" -> abc.
  const CharBpeModel m2(v, Merges{{"a", "b"}, {"ab", "c"}, {"b", "c"}}, o);
  EXPECT_EQ(encode(m2, "abc"), (Ids{6}));
}

TEST(CharBpeModel, UnknownsFusedOrNotAndDroppedWithoutUnk) {
  const Vocab v = vocab_of({"<unk>", "a"});
  CharBpeModel::Options o;
  o.unk_id = 0;
  EXPECT_EQ(encode(CharBpeModel(v, {}, o), "xéa☃☃"), (Ids{0, 0, 1, 0, 0}));
  o.fuse_unk = true;
  EXPECT_EQ(encode(CharBpeModel(v, {}, o), "xéa☃☃"), (Ids{0, 1, 0}));
  o.unk_id.reset();
  EXPECT_EQ(encode(CharBpeModel(v, {}, o), "xéa☃☃"), (Ids{1}));
}

TEST(CharBpeModel, ByteFallbackAndItsOrderBesideAWaitingUnknown) {
  //                        0        1    2         3         4
  const Vocab v = vocab_of({"<unk>", "a", "<0xC3>", "<0xA9>", "<0x78>"});
  CharBpeModel::Options o;
  o.unk_id = 0;
  o.byte_fallback = true;
  o.fuse_unk = true;
  const CharBpeModel m(v, {}, o);
  EXPECT_EQ(encode(m, "éa"), (Ids{2, 3, 1}));
  // ☃ (E2 98 83) has no byte tokens: <unk>. It waits for the next known
  // token, so é's byte tokens come first (as in HF).
  EXPECT_EQ(encode(m, "☃éa"), (Ids{2, 3, 0, 1}));
  EXPECT_EQ(encode(m, "☃x☃"), (Ids{4, 0}));
}

TEST(CharBpeModel, PrefixSuffixAndIgnoreMerges) {
  //                        0        1    2      3       4         5       6        7
  const Vocab v = vocab_of({"[UNK]", "a", "##b", "b</w>", "##b</w>", "ab",   "ab</w>", "b"});
  CharBpeModel::Options o;
  o.unk_id = 0;
  o.continuing_subword_prefix = "##";
  o.end_of_word_suffix = "</w>";
  // "a ##b</w>" merges into a + "b</w>" (the right side loses its prefix).
  const Merges merges{{"a", "##b</w>"}, {"a", "##b"}};
  const CharBpeModel m(v, merges, o);
  EXPECT_EQ(encode(m, "ab"), (Ids{6}));
  EXPECT_EQ(encode(m, "abb"), (Ids{5, 4}));
  EXPECT_EQ(encode(m, "b"), (Ids{3}));
  EXPECT_EQ(encode(m, "bc"), (Ids{7, 0}));  // ##c</w> is unknown
  // ignore_merges: a word in the vocabulary as it is (without prefix or
  // suffix) is one token.
  o.ignore_merges = true;
  const CharBpeModel ignoring(v, merges, o);
  EXPECT_EQ(encode(ignoring, "ab"), (Ids{5}));
  EXPECT_EQ(encode(ignoring, "b"), (Ids{7}));
  EXPECT_EQ(encode(ignoring, "abb"), (Ids{5, 4}));
}

TEST(CharBpeModel, MergeOutsideTheVocabularyIsAnError) {
  const Vocab v = vocab_of({"a", "b"});
  try {
    CharBpeModel(v, Merges{{"a", "b"}}, {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BPE merge 0 (\"a b\")"), std::string::npos) << e.what();
  }
}

std::string bpe_json(const std::string& model_extra, const std::string& pre_tokenizer,
                     const std::string& normalizer = "null") {
  return R"({"added_tokens": [{"id": 0, "content": "<s>", "special": true}, {"id": 1, "content": "</s>", "special": true}],
    "normalizer": )" + normalizer + R"(, "pre_tokenizer": )" + pre_tokenizer + R"(,
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
    "model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1, "<unk>": 2, "\u2581": 3, "a": 4, "\u2581a": 5, "<0x62>": 6},
              "merges": [["\u2581", "a"]])" + model_extra + "}}";
}

TEST(TokenizerJsonCharBpe, MetaspaceByteFallbackAndTemplate) {
  const std::string metaspace = R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true})";
  const auto tok = load_tokenizer_json(bpe_json(R"(, "unk_token": "<unk>", "byte_fallback": true)", metaspace),
                                       "tokenizer.json");
  // "a ab</s>": ▁a | ▁a b(byte fallback) | </s> (added token).
  const Encoding e = tok->encode_single("a ab</s>", 0);
  EXPECT_EQ(e.ids, (Ids{0, 5, 5, 6, 1}));
  const Encoding p = tok->encode_pair("a", "c", 0);
  EXPECT_EQ(p.ids, (Ids{5, 3, 2}));
  EXPECT_EQ(p.type_ids, (Ids{0, 1, 1}));
}

TEST(TokenizerJsonCharBpe, RefusesWhatItCannotRun) {
  const auto expect_error = [](const std::string& json, const std::string& fragment) {
    try {
      load_tokenizer_json(json, "tokenizer.json");
      ADD_FAILURE() << "no error for " << json;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const std::string split = R"({"type": "WhitespaceSplit"})";
  expect_error(bpe_json(R"(, "unk_token": "[UNK]")", split), "tokenizer.json: model.unk_token: \"[UNK]\" is not in the vocabulary");
  expect_error(bpe_json(R"(, "merges": [["a", "b"]])", split), "tokenizer.json: model.merges: BPE merge 0");
  expect_error(bpe_json("", R"({"type": "Punctuation"})"), "pre_tokenizer.type: \"Punctuation\" is not supported");
  expect_error(bpe_json("", split, R"({"type": "NFKC"})"), "normalizer.type: \"NFKC\" is not supported");
  expect_error(bpe_json(R"(, "dropout": 0.1)", split), "model.dropout");
  // Byte-level BPE keeps its own limits.
  expect_error(bpe_json(R"(, "byte_fallback": true)", R"({"type": "ByteLevel"})"),
               "model.byte_fallback: not supported with the ByteLevel pre-tokenizer");
  expect_error(bpe_json(R"(, "continuing_subword_prefix": "##")", R"({"type": "ByteLevel"})"),
               "byte-level BPE with continuing_subword_prefix");
}

}  // namespace
}  // namespace cappy
