// The tokenizer's parts on tiny hand-made vocabularies, with expectations
// worked out by hand from HF's rules (models/bpe/word.rs merge order,
// models/wordpiece greedy match, added_vocabulary.rs lstrip/rstrip/single_word,
// the GPT-2 split regex).
#include <gtest/gtest.h>

#include "cappy/cappy.h"
#include "tokenize/added_tokens.h"
#include "tokenize/bert_pretokenizer.h"
#include "tokenize/bpe_model.h"
#include "tokenize/gpt2_pretokenizer.h"
#include "tokenize/wordpiece_model.h"

namespace cappy {
namespace {

using Ids = std::vector<std::int32_t>;

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& [b, e] : gpt2_split(text)) out.emplace_back(text.substr(b, e - b));
  return out;
}

TEST(TokenizeGpt2Split, Alternatives) {
  using W = std::vector<std::string>;
  EXPECT_EQ(words_of("Hello world"), (W{"Hello", " world"}));
  // Contractions are case-sensitive and take no lookahead.
  EXPECT_EQ(words_of("I'm 'sup I'M"), (W{"I", "'m", " '", "sup", " I", "'", "M"}));
  // A whitespace run gives its last space to the next word...
  EXPECT_EQ(words_of("a   b"), (W{"a", "  ", " b"}));
  // ...but only a U+0020 can prefix a word; other whitespace stays alone.
  EXPECT_EQ(words_of("a\n\nb"), (W{"a", "\n", "\n", "b"}));
  EXPECT_EQ(words_of("a \n b"), (W{"a", " \n", " b"}));
  // Trailing whitespace is one word.
  EXPECT_EQ(words_of("x  "), (W{"x", "  "}));
  EXPECT_EQ(words_of(" "), (W{" "}));
  EXPECT_EQ(words_of("123abc!?"), (W{"123", "abc", "!?"}));
  EXPECT_EQ(words_of("caf\xC3\xA9 \xE2\x82\xAC" "5"), (W{"caf\xC3\xA9", " \xE2\x82\xAC", "5"}));  // café €5
  // U+3000 is whitespace; it does not join the following word.
  EXPECT_EQ(words_of("a\xE3\x80\x80" "b"), (W{"a", "\xE3\x80\x80", "b"}));
  EXPECT_TRUE(words_of("").empty());
}

Vocab byte_vocab(std::initializer_list<std::pair<const char*, std::int32_t>> extra) {
  Vocab v;
  for (char c = 'a'; c <= 'e'; ++c) v.add(std::string(1, c), c - 'a');
  for (const auto& [token, id] : extra) v.add(token, id);
  return v;
}

TEST(BytePairModel, MergesLowestRankFirst) {
  BpeModel model(byte_vocab({{"ab", 10}, {"bc", 11}, {"abc", 12}}),
                 {{"b", "c"}, {"a", "b"}, {"a", "bc"}}, {});
  Ids ids;
  model.encode_word("abc", ids);  // "b c" (rank 0) before "a b", then "a bc"
  EXPECT_EQ(ids, (Ids{12}));
  ids.clear();
  model.encode_word("abab", ids);
  EXPECT_EQ(ids, (Ids{10, 10}));
  ids.clear();
  model.encode_word("cab", ids);
  EXPECT_EQ(ids, (Ids{2, 10}));
}

TEST(BytePairModel, EqualRanksMergeLeftmostFirst) {
  BpeModel model(byte_vocab({{"aa", 10}}), {{"a", "a"}}, {});
  Ids ids;
  model.encode_word("aaa", ids);
  EXPECT_EQ(ids, (Ids{10, 0}));
}

TEST(BytePairModel, UnknownBytes) {
  // Without an unknown token, a byte the vocabulary lacks is dropped (HF).
  BpeModel dropping(byte_vocab({}), {}, {});
  Ids ids;
  dropping.encode_word("axb", ids);
  EXPECT_EQ(ids, (Ids{0, 1}));
  BpeModel::Options options;
  options.unk_id = 99;
  options.fuse_unk = true;
  BpeModel fusing(byte_vocab({{"<unk>", 99}}), {}, options);
  ids.clear();
  fusing.encode_word("axyb", ids);
  EXPECT_EQ(ids, (Ids{0, 99, 1}));
}

TEST(BytePairModel, MergeOutsideVocabularyIsAnError) {
  EXPECT_THROW(BpeModel(byte_vocab({}), {{"a", "b"}}, {}), Error);
}

TEST(BytePairModel, ByteToUnicodeTable) {
  const auto& table = byte_to_unicode();
  EXPECT_EQ(table[' '], 0x120u);  // "Ġ"
  EXPECT_EQ(table['\n'], 0x10Au); // "Ċ"
  EXPECT_EQ(table['A'], static_cast<char32_t>('A'));
  EXPECT_EQ(table[0xAD], 0x143u);
  EXPECT_EQ(table[0xFF], 0xFFu);
}

WordPieceModel small_wordpiece(std::size_t max_chars = 100) {
  Vocab v;
  std::int32_t id = 0;
  for (const char* t : {"[UNK]", "un", "##aff", "##able", "a", "##ff", "##a", "\xC3\xA9", "##\xC3\xA9"}) v.add(t, id++);
  WordPieceModel::Options options;
  options.max_input_chars_per_word = max_chars;
  return WordPieceModel(std::move(v), options);
}

TEST(WordPieceModel, GreedyLongestMatch) {
  const WordPieceModel model = small_wordpiece();
  Ids ids;
  model.encode_word("unaffable", ids);
  EXPECT_EQ(ids, (Ids{1, 2, 3}));
  ids.clear();
  model.encode_word("aff", ids);  // "a" then "##ff"
  EXPECT_EQ(ids, (Ids{4, 5}));
  ids.clear();
  model.encode_word("\xC3\xA9\xC3\xA9", ids);  // éé: steps back whole characters
  EXPECT_EQ(ids, (Ids{7, 8}));
}

TEST(WordPieceModel, UnmatchableWordIsOneUnknown) {
  const WordPieceModel model = small_wordpiece();
  Ids ids = {42};
  model.encode_word("unaffablex", ids);  // earlier pieces are dropped too
  EXPECT_EQ(ids, (Ids{42, 0}));
}

TEST(WordPieceModel, LongWordIsUnknown) {
  const WordPieceModel model = small_wordpiece(4);
  Ids ids;
  model.encode_word("aaaa", ids);  // 4 characters: allowed
  EXPECT_EQ(ids, (Ids{4, 6, 6, 6}));
  ids.clear();
  model.encode_word("aaaaa", ids);
  EXPECT_EQ(ids, (Ids{0}));
  ids.clear();
  model.encode_word("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", ids);  // 4 characters, 8 bytes
  EXPECT_EQ(ids, (Ids{7, 8, 8, 8}));
}

TEST(WordPieceModel, MissingUnknownTokenIsAnError) {
  Vocab v;
  v.add("a", 0);
  EXPECT_THROW(WordPieceModel(std::move(v), {}), Error);
}

TEST(WordPiecePreTokenizer, SplitsWhitespaceAndEachPunctuation) {
  const std::u32string text = U"Hey friend!     How are you?!? a$b";
  std::vector<std::u32string> words;
  for (auto w : bert_pre_tokenize(text)) words.emplace_back(w);
  EXPECT_EQ(words, (std::vector<std::u32string>{U"Hey", U"friend", U"!", U"How", U"are", U"you", U"?", U"!", U"?",
                                                 U"a", U"$", U"b"}));
}

std::vector<std::pair<std::string, std::int32_t>> pieces(const AddedTokenMatcher& m, std::string_view text) {
  std::vector<std::pair<std::string, std::int32_t>> out;
  for (const TextPiece& p : m.split(text)) out.emplace_back(std::string(text.substr(p.begin, p.end - p.begin)), p.id);
  return out;
}

AddedToken token(const char* content, std::int32_t id) {
  AddedToken t;
  t.content = content;
  t.id = id;
  return t;
}

using P = std::vector<std::pair<std::string, std::int32_t>>;

TEST(TokenizeAddedTokens, LeftmostLongestMatch) {
  AddedTokenMatcher m({token("<s>", 0), token("</s>", 2), token("<s>x", 5)}, {"<s>", "</s>", "<s>x"});
  EXPECT_EQ(pieces(m, "a<s>b</s><s>xy"), (P{{"a", -1}, {"<s>", 0}, {"b", -1}, {"</s>", 2}, {"<s>x", 5}, {"y", -1}}));
  EXPECT_EQ(pieces(m, ""), (P{{"", -1}}));
  EXPECT_EQ(pieces(m, "<s"), (P{{"<s", -1}}));
}

TEST(TokenizeAddedTokens, LstripAndRstripTakeWhitespace) {
  AddedToken mask = token("<mask>", 9);
  mask.lstrip = true;
  AddedToken eos = token("</s>", 2);
  eos.rstrip = true;
  AddedTokenMatcher m({mask, eos}, {"<mask>", "</s>"});
  EXPECT_EQ(pieces(m, "a  <mask> b"), (P{{"a", -1}, {"  <mask>", 9}, {" b", -1}}));
  EXPECT_EQ(pieces(m, "a</s>  b"), (P{{"a", -1}, {"</s>  ", 2}, {"b", -1}}));
  // Whitespace an earlier match already took stays with it.
  EXPECT_EQ(pieces(m, "</s> <mask>"), (P{{"</s> ", 2}, {"<mask>", 9}}));
}

TEST(TokenizeAddedTokens, SingleWordNeedsWordBoundaries) {
  AddedToken t = token("cat", 7);
  t.single_word = true;
  AddedTokenMatcher m({t}, {"cat"});
  EXPECT_EQ(pieces(m, "a cat."), (P{{"a ", -1}, {"cat", 7}, {".", -1}}));
  EXPECT_EQ(pieces(m, "concat"), (P{{"concat", -1}}));
  EXPECT_EQ(pieces(m, "cats"), (P{{"cats", -1}}));
}

TEST(TokenizeAddedTokens, NormalizedTokensMatchAfterNormalization) {
  AddedToken raw = token("[RAW]", 1);
  raw.normalized = false;
  AddedToken norm = token("[Norm]", 2);  // normalized: matched as "[norm]"
  const AddedVocabulary v = AddedVocabulary::build({raw, norm}, [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  });
  Ids ids;
  std::vector<std::string> texts;
  v.encode("A[RAW]b[NORM]c[raw]", [](std::string_view s) {
        std::string out(s);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
      },
      [&](std::string_view s, Ids& out) {
        texts.emplace_back(s);
        out.push_back(-7);
      },
      ids);
  EXPECT_EQ(ids, (Ids{-7, 1, -7, 2, -7}));
  EXPECT_EQ(texts, (std::vector<std::string>{"a", "b", "c[raw]"}));
}

}  // namespace
}  // namespace cappy
