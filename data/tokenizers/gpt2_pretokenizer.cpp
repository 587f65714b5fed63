#include "data/tokenizers/gpt2_pretokenizer.h"

#include <cstdint>

#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

// What the pattern distinguishes about one code point.
enum class Kind : std::uint8_t { kSpace, kLetter, kNumber, kOther };

Kind kind_of(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return Kind::kLetter;
    if (cp >= '0' && cp <= '9') return Kind::kNumber;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return Kind::kSpace;
    return Kind::kOther;
  }
  if (unicode::is_white_space(cp)) return Kind::kSpace;
  switch (unicode::char_class(cp)) {
    case unicode::CharClass::kLetter:
      return Kind::kLetter;
    case unicode::CharClass::kNumber:
      return Kind::kNumber;
    default:
      return Kind::kOther;
  }
}

struct Char {
  char32_t cp;
  Kind kind;
  std::size_t byte;  // offset of its first byte
};

// Length of the contraction ('s 't 're 've 'm 'll 'd) at chars[i], or 0.
std::size_t contraction_length(const std::vector<Char>& chars, std::size_t i) {
  if (chars[i].cp != '\'' || i + 1 >= chars.size()) return 0;
  const char32_t a = chars[i + 1].cp;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= chars.size()) return 0;
  const char32_t b = chars[i + 2].cp;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

}  // namespace

void gpt2_pretokenize(const std::string& text, ByteSpans& out) {
  out.clear();
  thread_local std::vector<Char> chars;
  chars.clear();
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t len = unicode::decode_utf8(text, i, &cp);
    chars.push_back({cp, kind_of(cp), i});
    i += len;
  }
  const std::size_t n = chars.size();
  auto byte_at = [&](std::size_t i) { return i < n ? chars[i].byte : text.size(); };
  // Index one past the run of `kind` that starts at i.
  auto run_end = [&](std::size_t i, Kind kind) {
    while (i < n && chars[i].kind == kind) ++i;
    return i;
  };
  std::size_t i = 0;
  while (i < n) {
    std::size_t end = i + contraction_length(chars, i);
    if (end == i) {
      const Kind kind = chars[i].kind;
      if (chars[i].cp == ' ' && i + 1 < n && chars[i + 1].kind != Kind::kSpace) {
        end = run_end(i + 1, chars[i + 1].kind);  // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+"
      } else if (kind != Kind::kSpace) {
        end = run_end(i, kind);
      } else {
        const std::size_t spaces_end = run_end(i, Kind::kSpace);
        if (spaces_end == n) {
          end = n;  // "\s+(?!\S)" up to the end of the text
        } else if (spaces_end - 1 > i) {
          end = spaces_end - 1;  // "\s+(?!\S)" leaves the last space to the word after it
        } else {
          end = i + 1;  // "\s+"
        }
      }
    }
    out.emplace_back(byte_at(i), byte_at(end));
    i = end;
  }
}

}  // namespace attune::data
