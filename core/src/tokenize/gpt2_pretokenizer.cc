#include "tokenize/gpt2_pretokenizer.h"

#include "tokenize/unicode.h"
#include "util/utf8.h"

namespace cappy {
namespace {

enum class Class : unsigned char { Letter, Number, Space, Other };

Class classify(char32_t c) {
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return Class::Letter;
    if (c >= '0' && c <= '9') return Class::Number;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return Class::Space;
    return Class::Other;
  }
  if (unicode::is_white_space(c)) return Class::Space;
  if (unicode::is_letter(c)) return Class::Letter;
  if (unicode::is_number(c)) return Class::Number;
  return Class::Other;
}

// Length of the contraction at cps[i] ('s 't 're 've 'm 'll 'd), or 0.
std::size_t contraction(const std::u32string& cps, std::size_t i) {
  if (cps[i] != U'\'' || i + 1 >= cps.size()) return 0;
  const char32_t a = cps[i + 1];
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
  if (i + 2 >= cps.size()) return 0;
  const char32_t b = cps[i + 2];
  if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return 3;
  return 0;
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> gpt2_split(std::string_view text) {
  const std::u32string cps = decode_utf8(text);
  const std::size_t n = cps.size();
  std::vector<Class> cls(n);
  std::vector<std::size_t> offset(n + 1, 0);  // byte offset of each code point
  for (std::size_t i = 0; i < n; ++i) {
    cls[i] = classify(cps[i]);
    const char32_t c = cps[i];
    offset[i + 1] = offset[i] + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
  }

  std::vector<std::pair<std::size_t, std::size_t>> words;
  std::size_t i = 0;
  while (i < n) {
    std::size_t end;
    if (std::size_t k = contraction(cps, i); k > 0) {
      end = i + k;
    } else {
      // ` ?X+` for X in letters, numbers, other: the optional space is only
      // U+0020, and the run class is the class right after it.
      const std::size_t q = cps[i] == U' ' ? i + 1 : i;
      if (q < n && cls[q] != Class::Space) {
        const Class run = cls[q];
        end = q + 1;
        while (end < n && cls[end] == run) ++end;
      } else {
        // Whitespace run: `\s+(?!\S)` leaves the last space of a run that is
        // followed by a non-space to prefix the next word; `\s+` takes a lone
        // space before a non-space word.
        std::size_t run_end = i + 1;
        while (run_end < n && cls[run_end] == Class::Space) ++run_end;
        if (run_end == n || run_end - i == 1) {
          end = run_end;
        } else {
          end = run_end - 1;
        }
      }
    }
    words.emplace_back(offset[i], offset[end]);
    i = end;
  }
  return words;
}

}  // namespace cappy
