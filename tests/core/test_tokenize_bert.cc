// BERT's WordPiece tokenizer on the real bert-base-uncased files
// (shared/data/tokenizers/bert-base-uncased, see its SOURCES.md), through
// tokenizer.json and through the older vocab.txt.
//
// Oracle: every id vector below marked "oracle" was produced by the npm
// package @huggingface/tokenizers 0.2.0 (Tokenizers.js) running on Node 20:
//   new Tokenizer(tokenizer.json, {}).encode(text, {add_special_tokens: false}).ids
// and, for the pair, encode(a, {text_pair: b, return_token_type_ids: true}).
// Truncated results were cut by hand with truncation.rs's longest_first.
#include <gtest/gtest.h>

#include <fstream>

#include "tokenize/tokenizer.h"
#include "tokenize_test_util.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;

const char* const kDir = CAPPY_SHARED_DATA_DIR "/tokenizers/bert-base-uncased";

struct Case {
  std::string text;
  Ids ids;
};

// Oracle ids (see the header comment), without special tokens.
const std::vector<Case>& oracle_cases() {
  static const std::vector<Case> cases = {
    {std::string("Hello world! This is a test.", 28), {7592, 2088, 999, 2023, 2003, 1037, 3231, 1012}},
    {std::string("Wait... what\x3f""! (really) -- yes; no: \x22""quoted\x22"" [brackets] {braces} @#$%^&*_+=|\x5c""~`", 79), {3524, 1012, 1012, 1012, 2054, 1029, 999, 1006, 2428, 1007, 1011, 1011, 2748, 1025, 2053, 1024, 1000, 9339, 1000, 1031, 19719, 1033, 1063, 17180, 2015, 1065, 1030, 1001, 1002, 1003, 1034, 1004, 1008, 1035, 1009, 1027, 1064, 1032, 1066, 1036}},
    {std::string("I'm can't we'll they've she'd you're I'M 'sup rock'n'roll", 57), {1045, 1005, 1049, 2064, 1005, 1056, 2057, 1005, 2222, 2027, 1005, 2310, 2016, 1005, 1040, 2017, 1005, 2128, 1045, 1005, 1049, 1005, 10514, 2361, 2600, 1005, 1050, 1005, 4897}},
    {std::string("The year 2024 had 365 days; pi is 3.14159 and 1,000,000 > 999. x\xc2""\xb2""+y\xc2""\xb3"" \xc2""\xbd"" \xd9""\xa3""\xd9""\xa4", 78), {1996, 2095, 16798, 2549, 2018, 19342, 2420, 1025, 14255, 2003, 1017, 1012, 15471, 28154, 1998, 1015, 1010, 2199, 1010, 2199, 1028, 25897, 1012, 1060, 10701, 1009, 1061, 18107, 1092, 100}},
    {std::string("multiple   spaces\x0a""\x0a""new lines\x09""\x09""tabs  \x0a"" end  ", 43), {3674, 7258, 2047, 3210, 21628, 2015, 2203}},
    {std::string("caf\xc3""\xa9"" na\xc3""\xaf""ve r\xc3""\xa9""sum\xc3""\xa9"" \xc3""\x85""ngstr\xc3""\xb6""m fa\xc3""\xa7""ade", 40), {7668, 15743, 13746, 17076, 15687, 8508}},
    {std::string("\xe4""\xb8""\xad""\xe6""\x96""\x87""\xe5""\xad""\x97""\xe7""\xac""\xa6""\xe6""\xb5""\x8b""\xe8""\xaf""\x95"" \xe6""\x97""\xa5""\xe6""\x9c""\xac""\xe8""\xaa""\x9e""\xe3""\x81""\xae""\xe3""\x83""\x86""\xe3""\x82""\xad""\xe3""\x82""\xb9""\xe3""\x83""\x88"" \xed""\x95""\x9c""\xea""\xb5""\xad""\xec""\x96""\xb4"" \xed""\x85""\x8d""\xec""\x8a""\xa4""\xed""\x8a""\xb8", 63), {1746, 1861, 100, 100, 100, 100, 1864, 1876, 1950, 1671, 30239, 30227, 30233, 30240, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1467, 30009, 30020, 29997, 30017, 30003, 30017}},
    {std::string("emoji \xf0""\x9f""\x98""\x80""\xf0""\x9f""\x91""\x8d""\xf0""\x9f""\x8f""\xbd"" \xf0""\x9f""\x87""\xba""\xf0""\x9f""\x87""\xb8"" family \xf0""\x9f""\x91""\xa8""\xe2""\x80""\x8d""\xf0""\x9f""\x91""\xa9""\xe2""\x80""\x8d""\xf0""\x9f""\x91""\xa7", 53), {7861, 29147, 2072, 100, 100, 2155, 100}},
    {std::string("a <s> b </s> c<mask> d <mask>e <pad><unk> x  <mask>", 51), {1037, 1026, 1055, 1028, 1038, 1026, 1013, 1055, 1028, 1039, 1026, 7308, 1028, 1040, 1026, 7308, 1028, 1041, 1026, 11687, 1028, 1026, 4895, 2243, 1028, 1060, 1026, 7308, 1028}},
    {std::string("[CLS] x [SEP] y [MASK] [sep] [UNK]z[PAD]", 40), {101, 1060, 102, 1061, 103, 1031, 19802, 1033, 100, 1062, 0}},
    {std::string("pneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopicsilicovolcanoconiosis and xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 237), {100, 1998, 22038, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 20348, 2595}},
    {std::string("", 0), {}},
    {std::string(" ", 1), {}},
    {std::string("  hi  ", 6), {7632}},
    // Unassigned code points (U+0378, U+FFFF) are kept as [UNK]; clean_text
    // removes only assigned control/format/private-use characters (U+E000).
    {std::string("a\xcd""\xb8""b x\xee""\x80""\x80""y a\xef""\xbf""\xbf""b", 15), {100, 1060, 2100, 100}},
    // Oracle ids except the final sigma: Tokenizers.js lowercases with JS's
    // toLowerCase, which writes a word-final sigma (##omicron-final-sigma,
    // 15297); HF's Rust normalizer lowercases one character at a time
    // (char::to_lowercase in NormalizedString::lowercase), giving a plain
    // sigma: ##omicron 29730, ##sigma 29733.
    {std::string("\xc3""\x9c""n\xc3""\xaf""c\xc3""\xb6""d\xc3""\xa9"" \xc3""\x80""\xc3""\x89""\xc3""\x8e""\xc3""\x95""\xc3""\x9c"" \xc3""\x9f"" \xc4""\xb0""stanbul \xce""\xa3""\xce""\x8a""\xce""\xa3""\xce""\xa5""\xce""\xa6""\xce""\x9f""\xce""\xa3"" \xc7""\x84"" \xef""\xac""\x81", 57), {27260, 29347, 3695, 2226, 1096, 9960, 1173, 18199, 29733, 29735, 29736, 29730, 29733, 100, 1984}},
    {std::string("a\x00""b\x01""c\xef""\xbf""\xbd""d\xe2""\x80""\x8b""e\xc2""\xad""e", 16), {5925, 26095}},
    {std::string("a\xc2""\xa0""b\xe3""\x80""\x80""c\xe2""\x80""\xa8""d\xe2""\x80""\x89""e", 16), {1037, 1038, 1039, 1040, 1041}},
    {std::string("Stra\xc3""\x9f""e \xe2""\x85""\xab""\xe2""\x85""\xa3"" \xe2""\x91""\xa0""\xe2""\x91""\xa1"" \xef""\xbc""\xa1""\xef""\xbc""\xa2""\xef""\xbc""\xa3"" \xef""\xbd""\xb6""\xef""\xbe""\x80""\xef""\xbd""\xb6""\xef""\xbe""\x85"" \xe1""\xbd""\x88""\xce""\xb4""\xcf""\x85""\xcf""\x83""\xcf""\x83""\xce""\xb5""\xcf""\x8d""\xcf""\x82", 62), {2358, 27807, 100, 100, 100, 100, 1169, 29722, 29735, 29733, 29733, 29723, 29735, 19579}},
    {std::string("unaffable unbelievably tokenization ##ing", 41), {14477, 20961, 3468, 4895, 8671, 2666, 3567, 6321, 19204, 3989, 1001, 1001, 13749}},
  };
  return cases;
}

class TokenizeBert : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      load_routes();
    } catch (const std::exception& e) {
      load_error_ = e.what();
    }
  }
  // A load failure (for example the shared tokenizer files missing) fails
  // every test of the suite instead of letting gtest skip them.
  void SetUp() override { ASSERT_TRUE(load_error_.empty()) << load_error_; }
  static void load_routes() {
    json_route_ = new LoadedTokenizer(load_tokenizer(kDir, "bert"));
    const std::string legacy = test_util::copy_without_tokenizer_json(kDir, "bert-legacy", {"vocab.txt"});
    legacy_route_ = new LoadedTokenizer(load_tokenizer(legacy, "bert"));
  }
  static void TearDownTestSuite() {
    delete json_route_;
    delete legacy_route_;
  }
  static const Tokenizer& json_tok() { return *json_route_->tokenizer; }
  static const Tokenizer& legacy_tok() { return *legacy_route_->tokenizer; }

  static inline std::string load_error_;
  static LoadedTokenizer* json_route_;
  static LoadedTokenizer* legacy_route_;
};
LoadedTokenizer* TokenizeBert::json_route_ = nullptr;
LoadedTokenizer* TokenizeBert::legacy_route_ = nullptr;

TEST_F(TokenizeBert, OracleCasesThroughBothRoutes) {
  for (const Case& c : oracle_cases()) {
    EXPECT_EQ(json_tok().encode_ids(c.text), c.ids) << "tokenizer.json: " << c.text;
    EXPECT_EQ(legacy_tok().encode_ids(c.text), c.ids) << "vocab.txt: " << c.text;
  }
}

TEST_F(TokenizeBert, Metadata) {
  // No tokenizer_config.json in this directory: the length is unknown.
  EXPECT_EQ(json_route_->model_max_length, 0u);
  for (const Tokenizer* t : {&json_tok(), &legacy_tok()}) {
    EXPECT_EQ(t->vocab_size(), 30522u);
    EXPECT_EQ(t->pad_id(), 0);
  }
}

TEST_F(TokenizeBert, PairEncodingWithTypeIds) {
  // Oracle, special tokens and type ids included.
  const Ids want = {101, 2054, 2003, 1996, 3007, 1997, 2605, 1029, 102, 3000,
                    2003, 1996, 3007, 1998, 2922, 2103, 1997, 2605, 1012, 102};
  const Ids want_types = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  for (const Tokenizer* t : {&json_tok(), &legacy_tok()}) {
    const Encoding e = t->encode_pair("What is the capital of France?",
                                      "Paris is the capital and largest city of France.", 0);
    EXPECT_EQ(e.ids, want);
    EXPECT_EQ(e.type_ids, want_types);
    const Encoding single = t->encode_single("Score this answer.", 0);
    EXPECT_EQ(single.ids, (Ids{101, 3556, 2023, 3437, 1012, 102}));
    EXPECT_EQ(single.type_ids, Ids(6, 0));
  }
}

TEST_F(TokenizeBert, PairTruncation) {
  const std::string a = "What is the capital of France?";                    // 7 tokens
  const std::string b = "Paris is the capital and largest city of France.";  // 10 tokens
  for (const Tokenizer* t : {&json_tok(), &legacy_tok()}) {
    // max 10 -> budget 7: A keeps 3, B (longer) keeps 4.
    Encoding e = t->encode_pair(a, b, 10);
    EXPECT_EQ(e.ids, (Ids{101, 2054, 2003, 1996, 102, 3000, 2003, 1996, 3007, 102}));
    EXPECT_EQ(e.type_ids, (Ids{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
    // max 15 -> budget 12: n2 = max(7, 12 - 7) = 7, 7 + 7 > 12, so both keep 6.
    e = t->encode_pair(a, b, 15);
    EXPECT_EQ(e.ids, (Ids{101, 2054, 2003, 1996, 3007, 1997, 2605, 102, 3000, 2003, 1996, 3007, 1998, 2922, 102}));
    // max 16 -> budget 13: n2 = max(7, 6) = 7, 14 > 13: A keeps 6, B (longer) 7.
    e = t->encode_pair(a, b, 16);
    EXPECT_EQ(e.ids,
              (Ids{101, 2054, 2003, 1996, 3007, 1997, 2605, 102, 3000, 2003, 1996, 3007, 1998, 2922, 2103, 102}));
    // max 19 -> budget 16: A whole (7), B keeps 16 - 7 = 9.
    e = t->encode_pair(a, b, 19);
    EXPECT_EQ(e.ids, (Ids{101, 2054, 2003, 1996, 3007, 1997, 2605, 1029, 102, 3000, 2003, 1996, 3007, 1998, 2922,
                          2103, 1997, 2605, 102}));
    EXPECT_THROW(t->encode_pair(a, b, 2), Error);
    EXPECT_EQ(t->encode_pair(a, b, 3).ids, (Ids{101, 102, 102}));
  }
}

TEST_F(TokenizeBert, InvalidUtf8Throws) {
  for (const Tokenizer* t : {&json_tok(), &legacy_tok()}) {
    try {
      t->encode_ids("caf\xC3");
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "invalid UTF-8 at byte 3");
    }
    EXPECT_THROW(t->encode_pair("[SEP]\xC0\x80", "x", 0), Error);
  }
}

TEST_F(TokenizeBert, OlderFilesFollowTokenizerConfig) {
  // do_lower_case=false keeps case and accents (strip_accents follows it).
  const std::string dir = test_util::copy_without_tokenizer_json(kDir, "bert-cased-config", {"vocab.txt"});
  {
    std::ofstream(dir + "/tokenizer_config.json") << R"({"do_lower_case": false, "model_max_length": 1000000000000000019884624838656})";
  }
  const LoadedTokenizer loaded = load_tokenizer(dir, "bert");
  EXPECT_EQ(loaded.model_max_length, 0u);  // HF's "unset" value
  // "Hello" is not in the uncased vocabulary; "hello" is 7592.
  EXPECT_EQ(loaded.tokenizer->encode_ids("hello Hello"), (Ids{7592, 100}));
}

}  // namespace
}  // namespace cappy
