// The sentencepiece-style parts on hand-made inputs, with expectations worked
// out by hand from HF's rules: the Unigram model (models/unigram/model.rs,
// encode_optimized), WhitespaceSplit and Metaspace (pre_tokenizers/), the
// Precompiled charsmap (normalizers/precompiled.rs + spm_precompiled), the
// grapheme clusters it walks (UAX #29's own test file), and tokenizer.json
// errors for what is not supported.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cappy/cappy.h"
#include "tokenize/base64.h"
#include "tokenize/grapheme.h"
#include "tokenize/loaders.h"
#include "tokenize/normalizers.h"
#include "tokenize/pipeline.h"
#include "tokenize/precompiled_normalizer.h"
#include "tokenize/unigram_model.h"
#include "util/utf8.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;
using Words = std::vector<std::string>;

void expect_load_error(const std::string& json, const std::string& fragment);
std::string unigram_json(const std::string& normalizer, const std::string& pre_tokenizer,
                         const std::string& model_extra = "");

UnigramModel small_model(bool byte_fallback = false, std::optional<std::int32_t> unk = 0) {
  return UnigramModel({{"<unk>", 0},
                       {"a", -1},
                       {"b", -1},
                       {"ab", -2},
                       {"abc", -5},
                       {"c", -3},
                       {"bc", -2.5},
                       {"<0x78>", -4},
                       {"<0x79>", -4}},
                      unk, byte_fallback);
}

Ids encode(const UnigramModel& m, std::string_view word) {
  Ids ids;
  m.encode_word(word, ids);
  return ids;
}

TEST(UnigramModel, BestPathAndTies) {
  const UnigramModel m = small_model();
  // a+b and ab both score -2: the path found first (ab, from the earlier
  // start) is kept.
  EXPECT_EQ(encode(m, "ab"), (Ids{3}));
  // abc: abc = -5, a+bc = -3.5, ab+c = -5: a + bc.
  EXPECT_EQ(encode(m, "abc"), (Ids{1, 6}));
  EXPECT_EQ(encode(m, "ba"), (Ids{2, 1}));
  EXPECT_TRUE(encode(m, "").empty());
}

TEST(UnigramModel, UnknownsAreFusedPerRun) {
  const UnigramModel m = small_model();
  EXPECT_EQ(encode(m, "xyab"), (Ids{0, 3}));
  EXPECT_EQ(encode(m, "xay"), (Ids{0, 1, 0}));
  // A multi-byte character is one unknown, not one per byte.
  EXPECT_EQ(encode(m, "\xC3\xA9"), (Ids{0}));
  EXPECT_EQ(encode(m, "a\xC3\xA9\xE4\xB8\xAD" "b"), (Ids{1, 0, 2}));
}

TEST(UnigramModel, ByteFallback) {
  const UnigramModel m = small_model(/*byte_fallback=*/true);
  EXPECT_EQ(encode(m, "xyab"), (Ids{7, 8, 3}));
  // One byte without a <0xNN> piece: the whole run is <unk>.
  EXPECT_EQ(encode(m, "xz"), (Ids{0}));
}

TEST(UnigramModel, Errors) {
  const UnigramModel no_unk = small_model(false, std::nullopt);
  EXPECT_EQ(encode(no_unk, "ab"), (Ids{3}));
  EXPECT_THROW(encode(no_unk, "x"), Error);
  EXPECT_THROW(UnigramModel({}, 0, false), Error);
  EXPECT_THROW(small_model(false, 9), Error);
  EXPECT_THROW(small_model(false, -1), Error);
}

TEST(UnigramModel, RepeatedPieceMapsToItsLastId) {
  const UnigramModel m({{"<unk>", 0}, {"a", -1}, {"a", -1}}, 0, false);
  EXPECT_EQ(encode(m, "aa"), (Ids{2, 2}));
}

Words split(const PreTokenizer& p, Words words) {
  p.split(words);
  return words;
}

TEST(PreTokenizers, WhitespaceSplit) {
  const WhitespaceSplit w;
  EXPECT_EQ(split(w, {"  a b\t\tc\n"}), (Words{"a", "b", "c"}));
  // White_Space beyond ASCII (U+00A0, U+3000) splits; U+200B does not.
  EXPECT_EQ(split(w, {"a\xC2\xA0" "b\xE3\x80\x80" "c\xE2\x80\x8B" "d"}), (Words{"a", "b", "c\xE2\x80\x8B" "d"}));
  EXPECT_EQ(split(w, {" ", ""}), Words{});
}

TEST(PreTokenizers, Metaspace) {
  const std::string m = "\xE2\x96\x81";  // ▁
  const Metaspace always(U'\u2581', true, true);
  EXPECT_EQ(split(always, {"hello"}), (Words{m + "hello"}));
  // Spaces become ▁ and each ▁ starts a piece (MergedWithNext).
  EXPECT_EQ(split(always, {"a b  c"}), (Words{m + "a", m + "b", m, m + "c"}));
  // A word that already starts with ▁ (or a space) gets no second one.
  EXPECT_EQ(split(always, {m + "x", " y"}), (Words{m + "x", m + "y"}));
  EXPECT_EQ(split(always, {"a" + m}), (Words{m + "a", m}));
  const Metaspace never(U'\u2581', false, true);
  EXPECT_EQ(split(never, {"a b"}), (Words{"a", m + "b"}));
  const Metaspace whole(U'\u2581', true, false);
  EXPECT_EQ(split(whole, {"a b"}), (Words{m + "a" + m + "b"}));
}

const PrecompiledNormalizer& t5_charsmap() {
  static const PrecompiledNormalizer normalizer = [] {
    std::ifstream in(CAPPY_SHARED_DATA_DIR "/tokenizers/t5/tokenizer.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto json = nlohmann::json::parse(text.str());
    const std::string blob = json["normalizer"]["precompiled_charsmap"].get<std::string>();
    return PrecompiledNormalizer(decode_base64(blob, "t5"), "t5");
  }();
  return normalizer;
}

TEST(PrecompiledNormalizer, T5Charsmap) {
  const PrecompiledNormalizer& n = t5_charsmap();
  EXPECT_EQ(n.normalize("plain ASCII text"), "plain ASCII text");
  EXPECT_EQ(n.normalize("\xEF\xAC\x81"), "fi");                         // ﬁ (NFKC)
  EXPECT_EQ(n.normalize("\xE2\x91\xA0"), "1");                          // ①
  EXPECT_EQ(n.normalize("\xEF\xBC\xA1\xEF\xBC\x91"), "A1");             // fullwidth A1
  EXPECT_EQ(n.normalize("a\xC2\xA0" "b"), "a b");                        // NBSP -> space
  EXPECT_EQ(n.normalize("a\x01" "b"), "ab");                             // control removed
  EXPECT_EQ(n.normalize("e\xCC\x81"), "\xC3\xA9");                       // e + U+0301 composes
  // A cluster under 6 bytes is looked up whole, and the shortest matching
  // key wins: ﬁ + U+0301 becomes "fi", the accent dropped (as in HF).
  EXPECT_EQ(n.normalize("\xEF\xAC\x81\xCC\x81"), "fi");
  // At 6 bytes and over, each character on its own: ﬁ + 2 accents.
  EXPECT_EQ(n.normalize("\xEF\xAC\x81\xCC\x81\xCC\x81"), "fi\xCC\x81\xCC\x81");
  EXPECT_EQ(n.normalize(""), "");
}

TEST(PrecompiledNormalizer, MalformedBlobs) {
  EXPECT_THROW(PrecompiledNormalizer("", "x"), Error);
  EXPECT_THROW(PrecompiledNormalizer(std::string("\x08\x00\x00\x00\x01", 5), "x"), Error);  // trie past the end
  EXPECT_THROW(PrecompiledNormalizer(std::string("\x03\x00\x00\x00\x01\x02\x03", 7), "x"), Error);  // not whole units
  EXPECT_THROW(PrecompiledNormalizer(std::string("\x00\x00\x00\x00", 4), "x"), Error);  // no trie
  // Replacement strings that are not UTF-8.
  EXPECT_THROW(PrecompiledNormalizer(std::string("\x04\x00\x00\x00\x00\x00\x00\x00\xFF", 9), "x"), Error);
  try {
    PrecompiledNormalizer(std::string("\x08\x00\x00\x00", 4), "tokenizer.json: normalizer.precompiled_charsmap");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: normalizer.precompiled_charsmap"), std::string::npos);
  }
  // A trie whose units point anywhere never reads outside it.
  std::string random_trie("\x40\x00\x00\x00", 4);
  for (int i = 0; i < 64; ++i) random_trie.push_back(static_cast<char>(0x5A + i * 37));
  random_trie += std::string("a\0", 2);
  try {
    const PrecompiledNormalizer n(random_trie, "x");
    for (const char* s : {"abc", "\xC3\xA9", "\xF0\x9F\x98\x80", "zzzz"}) (void)n.normalize(s);
  } catch (const Error&) {
    // a clear error is fine too; a crash is not
  }
}

TEST(Normalizers, ReplaceAndStrip) {
  std::string repeated;
  std::size_t min_repeat = 0;
  ASSERT_TRUE(ReplaceNormalizer::parse_regex(" {2,}", repeated, min_repeat));
  EXPECT_EQ(repeated, " ");
  EXPECT_EQ(min_repeat, 2u);
  const ReplaceNormalizer spaces = ReplaceNormalizer::run(repeated, min_repeat, " ");
  EXPECT_EQ(spaces.normalize("a  b c   d    "), "a b c d ");
  ASSERT_TRUE(ReplaceNormalizer::parse_regex("\\.+", repeated, min_repeat));
  EXPECT_EQ(ReplaceNormalizer::run(repeated, min_repeat, "!").normalize("a...b.c"), "a!b!c");
  for (const char* unsupported : {"a|b", "[ab]{2,}", ".{2,}", "\\s+", " {2,3}", " {0,}", "", "ab+"}) {
    EXPECT_FALSE(ReplaceNormalizer::parse_regex(unsupported, repeated, min_repeat)) << unsupported;
  }
  EXPECT_EQ(ReplaceNormalizer::literal("``", "\"").normalize("``a`` ```"), "\"a\" \"`");
  EXPECT_EQ(StripNormalizer(true, true).normalize("\xC2\xA0 a b \t\n"), "a b");
  EXPECT_EQ(StripNormalizer(false, true).normalize("  a  "), "  a");
  EXPECT_EQ(StripNormalizer(true, false).normalize("  a  "), "a  ");
  expect_load_error(unigram_json(R"({"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "})", "null"),
                    "normalizer.pattern.Regex");
}

TEST(Base64, DecodesAndRejects) {
  EXPECT_EQ(decode_base64("", "x"), "");
  EXPECT_EQ(decode_base64("YQ==", "x"), "a");
  EXPECT_EQ(decode_base64("YWI=", "x"), "ab");
  EXPECT_EQ(decode_base64("YWJj", "x"), "abc");
  EXPECT_EQ(decode_base64("+/8=", "x"), "\xFB\xFF");
  EXPECT_THROW(decode_base64("YWJ", "x"), Error);
  EXPECT_THROW(decode_base64("YW!j", "x"), Error);
  EXPECT_THROW(decode_base64("Y===", "x"), Error);
  EXPECT_THROW(decode_base64("YQ==YWJj", "x"), Error);
}

// Unicode's own grapheme-break test file (Debian unicode-data): every line
// is code points separated by ÷ (break) or × (no break).
TEST(Graphemes, UnicodeBreakTest) {
  std::ifstream in("/usr/share/unicode/auxiliary/GraphemeBreakTest.txt");
  ASSERT_TRUE(in) << "needs Debian's unicode-data package (scripts/install-deps installs it)";
  std::string line;
  int checked = 0, line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string field, text;
    std::vector<std::size_t> breaks;  // byte offsets of the expected breaks
    while (fields >> field) {
      if (field == "\xC3\xB7") {  // ÷
        breaks.push_back(text.size());
      } else if (field != "\xC3\x97") {  // not ×: a code point
        append_utf8(text, static_cast<char32_t>(std::stoul(field, nullptr, 16)));
      }
    }
    // Surrogates cannot be UTF-8; those lines test what UTF-8 cannot hold.
    try {
      validate_utf8(text);
    } catch (const Error&) {
      continue;
    }
    std::vector<std::size_t> got = {0};
    for (std::size_t pos = 0; pos < text.size();) got.push_back(pos = unicode::grapheme_end(text, pos));
    EXPECT_EQ(got, breaks) << "GraphemeBreakTest.txt line " << line_number;
    ++checked;
  }
  EXPECT_GT(checked, 500);
}

std::string unigram_json(const std::string& normalizer, const std::string& pre_tokenizer,
                         const std::string& model_extra) {
  return R"({"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1]])" + model_extra +
         R"(}, "normalizer": )" + normalizer + R"(, "pre_tokenizer": )" + pre_tokenizer + "}";
}

void expect_load_error(const std::string& json, const std::string& fragment) {
  try {
    load_tokenizer_json(json, "tokenizer.json");
    ADD_FAILURE() << "no error for " << json;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(TokenizerJsonUnigram, LoadsAndRefusesWhatItCannotRun) {
  const auto tok = load_tokenizer_json(unigram_json("null", R"({"type": "Metaspace", "replacement": "\u2581"})"),
                                       "tokenizer.json");
  EXPECT_EQ(tok->encode_ids("a a"), (Ids{0, 1, 0, 1}));  // "▁a" "▁a": ▁ is unknown here
  expect_load_error(unigram_json(R"({"type": "NFKC"})", "null"), "normalizer.type");
  // XLM-R's tokenizer.json pipeline: Precompiled + Replace(" {2,}"), then Metaspace alone.
  const auto xlmr = load_tokenizer_json(
      unigram_json(R"({"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]})",
                   R"({"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": true})"),
      "tokenizer.json");
  EXPECT_EQ(xlmr->encode_ids("a   a"), (Ids{0, 1, 0, 1}));
  // prepend_scheme "first": the start of the text gets the replacement (the
  // conformance suite checks the rest against HF); after a normalizer the
  // start is not known, so that is refused.
  const std::string first = R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"})";
  EXPECT_EQ(load_tokenizer_json(unigram_json("null", first), "tokenizer.json")->encode_ids("a a"), (Ids{0, 1, 0, 1}));
  expect_load_error(unigram_json(R"({"type": "Strip", "left": true})", first), "pre_tokenizer.prepend_scheme: \"first\" with a normalizer");
  expect_load_error(unigram_json("null", R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "sometimes"})"),
                    "pre_tokenizer.prepend_scheme");
  expect_load_error(unigram_json("null", R"({"type": "Metaspace", "replacement": "ab"})"), "pre_tokenizer.replacement");
  expect_load_error(unigram_json("null", R"({"type": "Sequence", "pretokenizers": [{"type": "Digits"}]})"),
                    "pre_tokenizer.pretokenizers[0].type");
  expect_load_error(unigram_json(R"({"type": "Precompiled", "precompiled_charsmap": "@@@@"})", "null"),
                    "normalizer.precompiled_charsmap");
  expect_load_error(unigram_json(R"({"type": "Sequence", "normalizers": [{"type": "Precompiled"}]})", "null"),
                    "normalizer.normalizers[0].precompiled_charsmap");
  expect_load_error(R"({"model": {"type": "Unigram", "unk_id": 5, "vocab": [["<unk>", 0]]}})", "model.unk_id");
  expect_load_error(R"({"model": {"type": "Unigram", "vocab": [["<unk>"]]}})", "model.vocab[0]");
  expect_load_error(R"({"model": {"type": "Unigram", "vocab": {"a": 1}}})", "model.vocab");
}

}  // namespace
}  // namespace cappy
