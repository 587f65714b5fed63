// GPT-2's pre-tokenization split, on cases that exercise each alternative of its pattern
// ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+). The golden RoBERTa ids
// (test_byte_level_bpe.cpp) cover it on 692 real inputs.
#include "data/tokenizers/gpt2_pretokenizer.h"

#include <gtest/gtest.h>

namespace attune::data {
namespace {

std::vector<std::string> pieces(const std::string& text) {
  ByteSpans spans;
  gpt2_pretokenize(text, spans);
  std::vector<std::string> out;
  for (const auto& [begin, end] : spans) out.push_back(text.substr(begin, end - begin));
  return out;
}

using Pieces = std::vector<std::string>;

TEST(Gpt2Pretokenizer, LettersNumbersAndPunctuationTakeOneLeadingSpace) {
  EXPECT_EQ(pieces("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(pieces("abc123def"), (Pieces{"abc", "123", "def"}));
  EXPECT_EQ(pieces(" !!x"), (Pieces{" !!", "x"}));
  EXPECT_EQ(pieces("caf\u00E9 \u4E2D\u6587 \u0663\u0664"),
            (Pieces{"caf\u00E9", " \u4E2D\u6587", " \u0663\u0664"}));
  EXPECT_EQ(pieces("e\u0301"), (Pieces{"e", "\u0301"}));  // a combining mark is neither letter nor number
}

TEST(Gpt2Pretokenizer, ContractionsAreLowerCaseOnly) {
  EXPECT_EQ(pieces("it's we'LL they're"), (Pieces{"it", "'s", " we", "'", "LL", " they", "'re"}));
  EXPECT_EQ(pieces("'''s"), (Pieces{"'''", "s"}));
}

TEST(Gpt2Pretokenizer, WhitespaceRunsLeaveTheirLastSpaceToTheNextWord) {
  EXPECT_EQ(pieces("a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(pieces("a\t b"), (Pieces{"a", "\t", " b"}));
  EXPECT_EQ(pieces("x  \n"), (Pieces{"x", "  \n"}));
  EXPECT_EQ(pieces("  "), (Pieces{"  "}));
  EXPECT_EQ(pieces("a \u00A0b"), (Pieces{"a", " ", "\u00A0", "b"}));  // only U+0020 joins the next word
  EXPECT_EQ(pieces(""), (Pieces{}));
}

TEST(Gpt2Pretokenizer, InvalidUtf8BytesStayInThePieces) {
  const std::string text = std::string("ab\xFF", 3) + "cd";
  std::string joined;
  for (const auto& piece : pieces(text)) joined += piece;
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace attune::data
