// The generated Unicode tables, checked against values from the Unicode
// Character Database (UnicodeData.txt, PropList.txt) written out by hand.
#include <gtest/gtest.h>

#include "tokenize/unicode.h"

namespace cappy::unicode {
namespace {

TEST(Unicode, GeneralCategories) {
  EXPECT_EQ(category(U'A'), GeneralCategory::Lu);
  EXPECT_EQ(category(U'a'), GeneralCategory::Ll);
  EXPECT_EQ(category(0x4E2D), GeneralCategory::Lo);   // 中
  EXPECT_EQ(category(0x0301), GeneralCategory::Mn);   // combining acute
  EXPECT_EQ(category(0x0663), GeneralCategory::Nd);   // Arabic-Indic three
  EXPECT_EQ(category(0x2163), GeneralCategory::Nl);   // Roman numeral four
  EXPECT_EQ(category(0x00B2), GeneralCategory::No);   // superscript two
  EXPECT_EQ(category(0x00A0), GeneralCategory::Zs);
  EXPECT_EQ(category(0x2028), GeneralCategory::Zl);
  EXPECT_EQ(category(0x200B), GeneralCategory::Cf);   // zero width space
  EXPECT_EQ(category(0x0378), GeneralCategory::Cn);   // unassigned
  EXPECT_EQ(category(0xE000), GeneralCategory::Co);
  EXPECT_EQ(category(0x1F600), GeneralCategory::So);  // 😀
  EXPECT_EQ(category(0x10FFFF), GeneralCategory::Cn);
  EXPECT_EQ(category(0x110000), GeneralCategory::Cn);
}

TEST(Unicode, RegexClasses) {
  EXPECT_TRUE(is_letter(0x00E9));
  EXPECT_TRUE(is_letter(0x3042));   // あ
  EXPECT_FALSE(is_letter(0x0301));  // marks are not \p{L}
  EXPECT_TRUE(is_number(0x00BD));   // ½
  EXPECT_FALSE(is_number(U'x'));
  for (char32_t c : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029,
                     0x202F, 0x205F, 0x3000}) {
    EXPECT_TRUE(is_white_space(c)) << std::hex << static_cast<std::uint32_t>(c);
  }
  for (char32_t c : {0x1C, 0x1F, 0x180E, 0x200B, 0xFEFF, 0x21}) EXPECT_FALSE(is_white_space(c)) << std::hex << static_cast<std::uint32_t>(c);
}

TEST(Unicode, BertClasses) {
  EXPECT_TRUE(bert_is_whitespace(U'\t'));
  EXPECT_TRUE(bert_is_whitespace(0x3000));
  EXPECT_FALSE(bert_is_control(U'\n'));
  EXPECT_TRUE(bert_is_control(0x01));
  EXPECT_TRUE(bert_is_control(0x85));     // Cc, removed before whitespace mapping
  EXPECT_TRUE(bert_is_control(0x200B));   // Cf
  // Unassigned (Cn) is not control in HF (the unicode_categories crate has
  // no Cn table): such characters stay and become [UNK].
  EXPECT_FALSE(bert_is_control(0x0378));  // Cn
  EXPECT_TRUE(bert_is_control(0xE000));   // Co
  for (char32_t c : U"!/:@[`{~$+<=>^|") EXPECT_TRUE(c == 0 || bert_is_punctuation(c)) << std::hex << static_cast<std::uint32_t>(c);
  EXPECT_TRUE(bert_is_punctuation(0x3001));  // 、
  EXPECT_TRUE(bert_is_punctuation(0x00BF));  // ¿
  EXPECT_FALSE(bert_is_punctuation(0x00A2)); // ¢ is Sc, not ASCII
  EXPECT_FALSE(bert_is_punctuation(U'a'));
  EXPECT_TRUE(bert_is_chinese_char(0x4E2D));
  EXPECT_TRUE(bert_is_chinese_char(0x20000));
  EXPECT_FALSE(bert_is_chinese_char(0x3042));  // Hiragana is not
  EXPECT_FALSE(bert_is_chinese_char(0xAC00));  // nor Hangul
}

TEST(Unicode, CanonicalDecomposition) {
  EXPECT_EQ(nfd(U"\u00E9"), std::u32string(U"e\u0301"));
  EXPECT_EQ(nfd(U"\u00C5"), std::u32string(U"A\u030A"));
  EXPECT_EQ(nfd(U"\u212B"), std::u32string(U"A\u030A"));          // Angstrom sign, two steps
  EXPECT_EQ(nfd(U"\u1E69"), std::u32string(U"s\u0323\u0307"));    // recursive: ṩ
  EXPECT_EQ(nfd(U"\u1EA5"), std::u32string(U"a\u0302\u0301"));    // ấ
  EXPECT_EQ(nfd(U"\uD55C"), std::u32string(U"\u1112\u1161\u11AB"));  // 한 (Hangul LVT)
  EXPECT_EQ(nfd(U"\uAC00"), std::u32string(U"\u1100\u1161"));       // 가 (LV)
  // Canonical ordering: dot below (220) before dot above (230).
  EXPECT_EQ(nfd(U"s\u0307\u0323"), std::u32string(U"s\u0323\u0307"));
  EXPECT_EQ(nfd(U"\uFB01"), std::u32string(U"\uFB01"));  // compatibility only: unchanged
  EXPECT_EQ(combining_class(0x0301), 230);
  EXPECT_EQ(combining_class(0x0323), 220);
  EXPECT_EQ(combining_class(U'a'), 0);
}

TEST(Unicode, Lowercase) {
  const auto lower = [](std::u32string_view s) {
    std::u32string out;
    for (char32_t c : s) append_lowercase(out, c);
    return out;
  };
  EXPECT_EQ(lower(U"ABCxyz"), U"abcxyz");
  EXPECT_EQ(lower(U"\u00C0\u00DE\u00DF"), U"\u00E0\u00FE\u00DF");  // ÀÞß
  EXPECT_EQ(lower(U"\u0100\u0101\u0178"), U"\u0101\u0101\u00FF");  // Ā ā Ÿ
  EXPECT_EQ(lower(U"\u0130"), U"i\u0307");                          // İ: full mapping, two characters
  EXPECT_EQ(lower(U"\u03A3"), U"\u03C3");                           // Σ without final-sigma context
  EXPECT_EQ(lower(U"\u01C4\u01C5"), U"\u01C6\u01C6");               // Ǆ ǅ
  EXPECT_EQ(lower(U"\u0410\u042F\u0401"), U"\u0430\u044F\u0451");   // Cyrillic
  EXPECT_EQ(lower(U"\u2160\u24B6\uFF21"), U"\u2170\u24D0\uFF41");   // Ⅰ Ⓐ Ａ
  EXPECT_EQ(lower(U"\U00010400"), U"\U00010428");                   // Deseret
  EXPECT_EQ(lower(U"\u212A"), U"k");                                // Kelvin sign
}

}  // namespace
}  // namespace cappy::unicode
