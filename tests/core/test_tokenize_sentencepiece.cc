// sentencepiece model files through the sentencepiece library.
//
// XLM-R: tests/fixtures/spm-xlmr is a small model trained with spm_train
// (tools/make_spm_fixture.sh; no real XLM-R sentencepiece.bpe.model is
// available offline); expected.jsonl holds each text's ids from the
// spm_encode tool. Here those ids go through fairseq's mapping, written out
// from its definition (HF's XLMRobertaTokenizer): <s>=0 <pad>=1 </s>=2 <unk>=3,
// every other piece id + 1, <mask> = piece count + 1.
// T5: the real spiece.model (shared/data/tokenizers/t5), own ids, "A </s>".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cappy/cappy.h"
#include "tokenize/sentencepiece_tokenizer.h"
#include "tokenize/tokenizer.h"
#include "tokenize_test_util.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;

const std::string kXlmr = CAPPY_FIXTURES_DIR "/spm-xlmr";
const std::string kT5 = CAPPY_SHARED_DATA_DIR "/tokenizers/t5";

Ids fairseq(const std::vector<int>& spm_ids) {
  Ids out;
  for (const int id : spm_ids) out.push_back(id == 0 ? 3 : id + 1);
  return out;
}

Ids concat(std::initializer_list<Ids> parts) {
  Ids out;
  for (const Ids& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A build without the library (CAPPY_WITH_SENTENCEPIECE=OFF) refuses the
// files with a message that says how to get them read.
TEST(SentencePiece, BuildWithoutTheLibrarySaysSo) {
  if (sentencepiece_available()) {
    EXPECT_NO_THROW(load_tokenizer(kXlmr, "xlm-roberta"));
    return;
  }
  try {
    load_tokenizer(kXlmr, "xlm-roberta");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sentencepiece.bpe.model: sentencepiece models need a build with"),
              std::string::npos) << e.what();
  }
}

// The other tests need the library.
#define REQUIRE_SENTENCEPIECE() \
  if (!sentencepiece_available()) GTEST_SKIP() << "built with CAPPY_WITH_SENTENCEPIECE=OFF"

TEST(SentencePieceXlmr, FairseqIdsOfEveryExpectedText) {
  REQUIRE_SENTENCEPIECE();
  const LoadedTokenizer loaded = load_tokenizer(kXlmr, "xlm-roberta");
  const Tokenizer& tok = *loaded.tokenizer;
  std::ifstream in(kXlmr + "/expected.jsonl");
  std::string line;
  int checked = 0, with_unknown = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const std::string text = j["text"];
    const auto spm_ids = j["spm_ids"].get<std::vector<int>>();
    EXPECT_EQ(tok.encode_ids(text), fairseq(spm_ids)) << text;
    with_unknown += std::count(spm_ids.begin(), spm_ids.end(), 0) > 0;
    ++checked;
  }
  EXPECT_EQ(checked, 120);
  EXPECT_GT(with_unknown, 3);  // the <unk> -> 3 rule is exercised
}

TEST(SentencePieceXlmr, SpecialsTemplateAndTruncation) {
  REQUIRE_SENTENCEPIECE();
  const LoadedTokenizer loaded = load_tokenizer(kXlmr, "xlm-roberta");
  const Tokenizer& tok = *loaded.tokenizer;
  EXPECT_EQ(tok.vocab_size(), 2002u);  // 2000 pieces + <pad> + <mask>
  EXPECT_EQ(tok.pad_id(), 1);
  EXPECT_EQ(loaded.model_max_length, 64u);
  const Ids a = tok.encode_ids("Hello world!");
  const Ids b = tok.encode_ids("What is the capital of France?");
  // <s> A </s></s> B </s>, all type 0.
  const Encoding pair = tok.encode_pair("Hello world!", "What is the capital of France?", 0);
  EXPECT_EQ(pair.ids, concat({{0}, a, {2, 2}, b, {2}}));
  EXPECT_EQ(pair.type_ids, Ids(pair.ids.size(), 0));
  EXPECT_EQ(tok.encode_single("Hello world!", 0).ids, concat({{0}, a, {2}}));
  // longest_first: 6 + budget; A=10 and B=9 pieces cut to 3 each at max 10.
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 9u);
  EXPECT_EQ(tok.encode_pair("Hello world!", "What is the capital of France?", 10).ids,
            concat({{0}, Ids(a.begin(), a.begin() + 3), {2, 2}, Ids(b.begin(), b.begin() + 3), {2}}));
  // Special tokens in the text are cut out first; <mask> takes the space
  // before it (lstrip), the others take none.
  EXPECT_EQ(tok.encode_ids("x <mask> y"), concat({tok.encode_ids("x"), {2001}, tok.encode_ids(" y")}));
  EXPECT_EQ(tok.encode_ids("x</s><pad><s><unk>"), concat({tok.encode_ids("x"), {2, 1, 0, 3}}));
}

TEST(SentencePieceT5, OwnIdsEosTemplateAndSentinels) {
  REQUIRE_SENTENCEPIECE();
  const std::string dir = test_util::copy_without_tokenizer_json(kT5, "t5-spm", {"spiece.model", "tokenizer_config.json"});
  const LoadedTokenizer loaded = load_tokenizer(dir, "t5");
  const Tokenizer& tok = *loaded.tokenizer;
  EXPECT_EQ(tok.vocab_size(), 32100u);  // 32000 pieces + 100 extra_ids
  EXPECT_EQ(tok.pad_id(), 0);
  // The same ids as the tokenizer.json route (HF's Rust oracle there) on
  // ordinary text.
  EXPECT_EQ(tok.encode_ids("Hello world! This is a test."), (Ids{8774, 296, 55, 100, 19, 3, 9, 794, 5}));
  EXPECT_EQ(tok.encode_pair("Hello world!", "The year 2024 had 365 days", 0).ids,
            (Ids{8774, 296, 55, 1, 37, 215, 460, 2266, 141, 3, 10402, 477, 1}));
  // <extra_id_N> = 32099 - N; control pieces are special tokens.
  EXPECT_EQ(tok.encode_ids("<extra_id_0> hi</s><pad><extra_id_99>"), (Ids{32099, 7102, 1, 0, 32000}));
}

TEST(SentencePieceT5, TokenizerJsonWinsOverSpieceModel) {
  REQUIRE_SENTENCEPIECE();
  // The shared t5 folder has both. On an odd run of x the two definitions
  // break a tie differently, which tells the routes apart: HF's Unigram gives
  // [▁, x, xx, xx, ...] (HF's Rust oracle), sentencepiece [▁, xx, ..., xx, x].
  const std::string text(43, 'x');
  const std::string dir = test_util::copy_without_tokenizer_json(kT5, "t5-spm-tie", {"spiece.model"});
  const Ids json_ids = load_tokenizer(kT5, "t5").tokenizer->encode_ids(text);
  const Ids spm_ids = load_tokenizer(dir, "t5").tokenizer->encode_ids(text);
  Ids want_json = {3, 226};
  want_json.resize(23, 19230);
  EXPECT_EQ(json_ids, want_json);
  ASSERT_EQ(spm_ids.size(), 23u);
  EXPECT_EQ(spm_ids[1], 19230);
}

TEST(SentencePiece, Errors) {
  REQUIRE_SENTENCEPIECE();
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CAPPY_TEST_TMP_DIR) / ("spm-errors-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream((dir / "spiece.model").string()) << "not a model";
  }
  try {
    load_tokenizer(dir.string(), "t5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("spiece.model: not a sentencepiece model"), std::string::npos) << e.what();
  }
  // CamemBERT's mapping differs from XLM-R's: refused, not guessed.
  EXPECT_THROW(load_tokenizer(kXlmr, "camembert"), Error);
  // ALBERT's template needs [CLS]/[SEP] pieces, which this model lacks.
  try {
    load_tokenizer(kXlmr, "albert");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no piece \"[CLS]\""), std::string::npos) << e.what();
  }
  // T5-style needs </s>: the XLM-R-style model has it (id 2), so loading
  // as t5 works and appends it.
  EXPECT_EQ(load_tokenizer(kXlmr, "t5").tokenizer->encode_single("", 0).ids, (Ids{2}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cappy
