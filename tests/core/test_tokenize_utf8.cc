// UTF-8 decoding: the one place invalid text is rejected.
#include <gtest/gtest.h>

#include "cappy/cappy.h"
#include "util/utf8.h"

namespace cappy {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

void expect_invalid_at(const std::string& text, std::size_t byte) {
  try {
    decode_utf8(text);
    FAIL() << "no error for invalid UTF-8";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "invalid UTF-8 at byte " + std::to_string(byte));
  }
  EXPECT_THROW(validate_utf8(text), Error);
}

TEST(Utf8, DecodesEveryLength) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";  // a é 中 😀
  EXPECT_EQ(decode_utf8(text), std::u32string({U'a', 0xE9, 0x4E2D, 0x1F600}));
  EXPECT_EQ(encode_utf8(decode_utf8(text)), text);
  EXPECT_NO_THROW(validate_utf8(text));
  EXPECT_EQ(decode_utf8(std::string("a\0b", 3)), std::u32string({U'a', 0, U'b'}));
}

TEST(Utf8, BoundaryCodePoints) {
  EXPECT_EQ(decode_utf8(bytes({0xC2, 0x80})), std::u32string({0x80}));
  EXPECT_EQ(decode_utf8(bytes({0xEF, 0xBF, 0xBF})), std::u32string({0xFFFF}));
  EXPECT_EQ(decode_utf8(bytes({0xF4, 0x8F, 0xBF, 0xBF})), std::u32string({0x10FFFF}));
  EXPECT_EQ(decode_utf8(bytes({0xED, 0x9F, 0xBF})), std::u32string({0xD7FF}));
}

TEST(Utf8, RejectsMalformedSequences) {
  expect_invalid_at(bytes({'a', 0x80}), 1);                    // lone continuation byte
  expect_invalid_at(bytes({'a', 'b', 0xC3}), 2);               // truncated at the end
  expect_invalid_at(bytes({0xC3, 'a'}), 0);                    // continuation missing
  expect_invalid_at(bytes({0xC0, 0xAF}), 0);                   // overlong '/'
  expect_invalid_at(bytes({0xE0, 0x80, 0xAF}), 0);             // overlong 3-byte
  expect_invalid_at(bytes({0xF0, 0x80, 0x80, 0xAF}), 0);       // overlong 4-byte
  expect_invalid_at(bytes({'x', 0xED, 0xA0, 0x80}), 1);        // surrogate U+D800
  expect_invalid_at(bytes({0xF4, 0x90, 0x80, 0x80}), 0);       // above U+10FFFF
  expect_invalid_at(bytes({0xF5, 0x80, 0x80, 0x80}), 0);
  expect_invalid_at(bytes({0xFF}), 0);
  expect_invalid_at(bytes({0xE4, 0xB8}), 0);
}

}  // namespace
}  // namespace cappy
