// The T5 tokenizer.json (Unigram, Precompiled charsmap, WhitespaceSplit +
// Metaspace, TemplateProcessing "$A </s>") on the real file in
// shared/data/tokenizers/t5 (see its SOURCES.md).
//
// Oracle: every id vector below was produced by HF's Rust library itself,
// through its Node binding (npm `tokenizers` 0.23.2, a devDependency):
//   Tokenizer.fromFile(tokenizer.json).encode(text, null, {addSpecialTokens: false}).getIds()
// Tokenizers.js (@huggingface/tokenizers) is not used here: its Precompiled
// normalizer ignores the charsmap and applies NFKC plus a fixed character
// list (see tests/tokenizers/README.md).
#include <gtest/gtest.h>

#include "tokenize/tokenizer.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;

const char* const kDir = CAPPY_SHARED_DATA_DIR "/tokenizers/t5";

struct Case {
  std::string text;
  Ids ids;
};

const std::vector<Case>& oracle_cases() {
  static const std::vector<Case> cases = {
    {std::string("Hello world! This is a test.", 28), {8774, 296, 55, 100, 19, 3, 9, 794, 5}},
    {std::string("  leading,  inner   and trailing spaces  ", 41), {1374, 6, 4723, 11, 5032, 53, 4856}},
    {std::string("caf\xc3""\xa9"" na\xc3""\xaf""ve r\xc3""\xa9""sum\xc3""\xa9"" \xc3""\x85""ngstr\xc3""\xb6""m", 32), {11949, 3, 29, 9, 2, 162, 1417, 4078, 154, 3, 2, 1725, 30476}},
    {std::string("\xef""\xac""\x81""nance \xe2""\x91""\xa0""\xe2""\x91""\xa1"" \xe2""\x85""\xab"" \xef""\xbc""\xa1""\xef""\xbc""\xa2""\xef""\xbc""\xa3""\xef""\xbc""\x91""\xef""\xbc""\x92""\xef""\xbc""\x93"" \xef""\xbd""\xb6""\xef""\xbe""\x80""\xef""\xbd""\xb6""\xef""\xbe""\x85"" \xef""\xbd""\xb6""\xef""\xbe""\x9e""", 58), {4747, 586, 3, 4, 196, 196, 14213, 14574, 3, 2, 3, 2}},
    {std::string("\xef""\xac""\x81""\xcc""\x81"" e\xcc""\x81""\xcc""\x81"" a\xf0""\x9f""\x8f""\xbb""", 17), {361, 3, 154, 3, 9, 2}},
    {std::string("a\x01""b\x7f""c\xe2""\x80""\x8b""d\xc2""\xad""e\xef""\xbb""\xbf"" f", 17), {703, 75, 3, 26, 575, 15, 3, 89}},
    {std::string("tab\x09""here\x0d""\x0a""CRLF\xc2""\xa0""nbsp\xe3""\x80""\x80""ideographic", 34), {3808, 270, 3, 4545, 18962, 3, 29, 115, 7, 102, 3, 1599, 16587}},
    {std::string("a\xe2""\x96""\x81""b \xe2""\x96""\x81""\xe2""\x96""\x81""c", 13), {3, 9, 3, 115, 3, 75}},
    {std::string("<extra_id_0> hi</s>there <pad><unk>", 35), {32099, 7102, 1, 132, 0, 2}},
    {std::string("\xe4""\xb8""\xad""\xe6""\x96""\x87""\xe5""\xad""\x97""\xe7""\xac""\xa6""\xe6""\xb5""\x8b""\xe8""\xaf""\x95"" \xe6""\x97""\xa5""\xe6""\x9c""\xac""\xe8""\xaa""\x9e""\xe3""\x81""\xae""\xe3""\x83""\x86""\xe3""\x82""\xad""\xe3""\x82""\xb9""\xe3""\x83""\x88"" \xed""\x95""\x9c""\xea""\xb5""\xad""\xec""\x96""\xb4""", 53), {3, 2, 3, 2, 3, 2}},
    {std::string("emoji \xf0""\x9f""\x98""\x80""\xf0""\x9f""\x91""\x8d""\xf0""\x9f""\x8f""\xbd"" \xf0""\x9f""\x87""\xba""\xf0""\x9f""\x87""\xb8"" \xf0""\x9f""\x91""\xa8""\xe2""\x80""\x8d""\xf0""\x9f""\x91""\xa9""\xe2""\x80""\x8d""\xf0""\x9f""\x91""\xa7""", 46), {3, 15, 51, 21892, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2}},
    {std::string("\xd9""\x85""\xd8""\xb1""\xd8""\xad""\xd8""\xa8""\xd8""\xa7"" \xd7""\xa9""\xd7""\x9c""\xd7""\x95""\xd7""\x9d"" \xe0""\xb8""\xaa""\xe0""\xb8""\xa7""\xe0""\xb8""\xb1""\xe0""\xb8""\xaa""\xe0""\xb8""\x94""\xe0""\xb8""\xb5""\xe0""\xb8""\x84""\xe0""\xb8""\xa3""\xe0""\xb8""\xb1""\xe0""\xb8""\x9a""", 50), {3, 2, 3, 2, 3, 2}},
    {std::string("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 42), {3, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230, 19230}},
    {std::string("", 0), {}},
    {std::string(" ", 1), {}},
    {std::string("\xcc""\x81""x", 3), {3, 2, 226}},
    {std::string("\xef""\xbd""\xb1""\xe3""\x82""\x9b"" \xef""\xbe""\x8a""\xef""\xbe""\x9f""", 13), {3, 2, 3, 2, 3, 2}},
    {std::string("The year 2024 had 365 days; pi is 3.14159.", 42), {37, 215, 460, 2266, 141, 3, 10402, 477, 117, 2816, 19, 1877, 2534, 27904, 5}},
  };
  return cases;
}

class TokenizeT5 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      loaded_ = new LoadedTokenizer(load_tokenizer(kDir, "t5"));
    } catch (const std::exception& e) {
      load_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { delete loaded_; }
  // A load failure fails every test instead of letting gtest skip them.
  void SetUp() override { ASSERT_TRUE(load_error_.empty()) << load_error_; }
  static const Tokenizer& tok() { return *loaded_->tokenizer; }

  static inline std::string load_error_;
  static inline LoadedTokenizer* loaded_ = nullptr;
};

TEST_F(TokenizeT5, OracleCases) {
  for (const Case& c : oracle_cases()) EXPECT_EQ(tok().encode_ids(c.text), c.ids) << c.text;
}

TEST_F(TokenizeT5, Metadata) {
  EXPECT_EQ(loaded_->model_max_length, 512u);
  EXPECT_EQ(tok().vocab_size(), 32100u);
  EXPECT_EQ(tok().pad_id(), 0);
  EXPECT_EQ(tok().pair_template().added_single(), 1u);
  EXPECT_EQ(tok().pair_template().added_pair(), 2u);
}

TEST_F(TokenizeT5, TemplateAndTruncation) {
  // "$A </s>" and "$A </s> $B </s>", every type id 0 (the file's template).
  // Oracle, with truncation set in HF: setTruncation(max, {strategy: LongestFirst}).
  const Encoding single = tok().encode_single("Hello world!", 0);
  EXPECT_EQ(single.ids, (Ids{8774, 296, 55, 1}));
  EXPECT_EQ(single.type_ids, Ids(4, 0));
  const Encoding pair = tok().encode_pair("Hello world!", "The year 2024 had 365 days", 0);
  EXPECT_EQ(pair.ids, (Ids{8774, 296, 55, 1, 37, 215, 460, 2266, 141, 3, 10402, 477, 1}));
  EXPECT_EQ(pair.type_ids, Ids(13, 0));
  // max 8 -> budget 6 for 3 + 8 tokens: A (shorter) keeps 3, B keeps 3.
  EXPECT_EQ(tok().encode_pair("Hello world!", "The year 2024 had 365 days", 8).ids,
            (Ids{8774, 296, 55, 1, 37, 215, 460, 1}));
  EXPECT_EQ(tok().encode_single("The year 2024 had 365 days", 3).ids, (Ids{37, 215, 1}));
}

TEST_F(TokenizeT5, InvalidUtf8Throws) {
  try {
    tok().encode_ids("ok \xC3(");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte 3");
  }
  EXPECT_THROW(tok().encode_pair("fine", "\xFF", 0), Error);
  EXPECT_THROW(tok().encode_ids("<pad>\x80"), Error);
}

}  // namespace
}  // namespace cappy
