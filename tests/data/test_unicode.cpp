// Unicode helpers: Python's str.lower() against the lower-cased texts Python 3.11 wrote into the golden
// files, plus categories, White_Space, UTF-8 and accent stripping on documented code points.
#include "data/tokenizers/unicode.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace attune::data::unicode {
namespace {

TEST(Unicode, LowerMatchesPythonOnEveryGoldenText) {
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/roberta.jsonl");
  std::ifstream in(testing::shared_dir() / "golden/tokenizers/roberta.jsonl");
  std::string line;
  int records = 0;
  while (std::getline(in, line)) {
    const auto r = nlohmann::json::parse(line);
    EXPECT_EQ(to_lower(r["text"].get<std::string>()), r["text_lower"].get<std::string>()) << r["src"];
    ++records;
  }
  EXPECT_EQ(records, 692);
}

TEST(Unicode, LowerSpecialCases) {
  EXPECT_EQ(to_lower("ABC xyz 123"), "abc xyz 123");
  EXPECT_EQ(to_lower("\u0130stanbul"), "i\u0307stanbul");  // İ -> i + combining dot above
  EXPECT_EQ(to_lower("\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3"),
            "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2");  // final sigma only at the end
  EXPECT_EQ(to_lower("\u03A3"), "\u03C3");                        // alone: not final
  EXPECT_EQ(to_lower("\u00C9\u00C0\u0100\u0178\u1E9E"), "\u00E9\u00E0\u0101\u00FF\u00DF");
  EXPECT_EQ(to_lower(std::string("A\xFF"
                                 "B",
                                 3)),
            std::string("a\xFF"
                        "b",
                        3));  // invalid bytes kept
}

TEST(Unicode, Categories) {
  EXPECT_EQ(char_class('a'), CharClass::kLetter);
  EXPECT_EQ(char_class(0x4E2D), CharClass::kLetter);  // 中
  EXPECT_EQ(char_class(0x0663), CharClass::kNumber);  // Arabic-Indic three
  EXPECT_EQ(char_class(0x00B2), CharClass::kNumber);  // superscript two (No)
  EXPECT_EQ(char_class('!'), CharClass::kPunctuation);
  EXPECT_EQ(char_class('$'), CharClass::kOther);  // Sc
  EXPECT_EQ(char_class(0x0301), CharClass::kNonspacingMark);
  EXPECT_EQ(char_class(0x00A0), CharClass::kSpaceSeparator);
  EXPECT_EQ(char_class(0x0085), CharClass::kControl);
  EXPECT_EQ(char_class(0x200B), CharClass::kFormat);
  EXPECT_EQ(char_class(0xE000), CharClass::kOtherC);           // private use
  EXPECT_EQ(char_class(0x1F600), CharClass::kOther);           // 😀 So
  EXPECT_EQ(char_class(0x20000), CharClass::kLetter);          // CJK Ext-B
  EXPECT_EQ(char_class(0x11F00), CharClass::kNonspacingMark);  // Kawi, new in Unicode 15.0
  EXPECT_TRUE(is_white_space(0x2029));
  EXPECT_TRUE(is_white_space(0x85));
  EXPECT_FALSE(is_white_space(0x1C));  // a separator for Python's str.isspace(), not White_Space
  EXPECT_FALSE(is_white_space(0x200B));
}

TEST(Unicode, Utf8RoundTripAndInvalidBytes) {
  const std::string text = "a\u00E9\u4E2D\U0001F600";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    i += decode_utf8(text, i, &cp);
    append_utf8(out, cp);
  }
  EXPECT_EQ(out, text);
  char32_t cp = 0;
  EXPECT_EQ(decode_utf8("\xC3", 0, &cp), 1u);  // truncated
  EXPECT_EQ(cp, 0xFFFDu);
  EXPECT_EQ(decode_utf8("\xC0\xAF", 0, &cp), 1u);      // overlong
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0, &cp), 1u);  // surrogate
}

TEST(Unicode, StripAccents) {
  auto strip = [](const std::u32string& in) {
    std::u32string out;
    for (char32_t cp : in) append_stripped(out, cp);
    return out;
  };
  EXPECT_EQ(strip(U"\u00E9\u00C5\u00F1"), U"eAn");
  EXPECT_EQ(strip(U"e\u0301"), U"e");
  EXPECT_EQ(strip(U"\u212B"), U"A");                   // Angstrom sign -> A + ring -> A
  EXPECT_EQ(strip(U"\uAC01"), U"\u1100\u1161\u11A8");  // Hangul syllable -> jamo
  EXPECT_EQ(strip(U"\u4E2D!"), U"\u4E2D!");
}

}  // namespace
}  // namespace attune::data::unicode
