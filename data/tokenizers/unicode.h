// The little Unicode the tokenizers need: UTF-8 decoding, a coarse general category, White_Space,
// Python's str.lower() and BERT's accent stripping. Tables: unicode_tables.cpp (Unicode 15.0 categories from
// ICU 72, Python 3.11 lower-case mappings), chosen to match the implementations that made the golden ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace attune::data::unicode {

// General category, collapsed to what the tokenizers ask about.
enum class CharClass : std::uint8_t {
  kOther = 0,           // M (but Mn), S, Zl, Zp
  kLetter = 1,          // L*
  kNumber = 2,          // N*
  kPunctuation = 3,     // P*
  kNonspacingMark = 4,  // Mn
  kSpaceSeparator = 5,  // Zs
  kControl = 6,         // Cc
  kFormat = 7,          // Cf
  kOtherC = 8,          // Cn, Co, Cs
};

CharClass char_class(char32_t cp);
// The White_Space property (what python-regex and Oniguruma mean by \s).
bool is_white_space(char32_t cp);
bool is_cased(char32_t cp);
bool is_case_ignorable(char32_t cp);

// Decodes the code point at s[i] into *cp and returns its byte length (>= 1). An invalid or truncated
// sequence yields *cp = U+FFFD with length 1 (one byte consumed), so callers always progress.
std::size_t decode_utf8(const std::string& s, std::size_t i, char32_t* cp);
void append_utf8(std::string& out, char32_t cp);

// Python 3's str.lower(): full mappings (U+0130 -> "i\u0307") and the Final_Sigma rule. Invalid UTF-8
// bytes are kept as they are.
std::string to_lower(const std::string& utf8);
// The one-to-one lower-case mapping of one code point (no special casing).
char32_t simple_lower(char32_t cp);

// BERT's _run_strip_accents for one code point: its canonical decomposition (NFD) without Mn marks,
// appended to out. A lone Mn mark appends nothing.
void append_stripped(std::u32string& out, char32_t cp);

}  // namespace attune::data::unicode
