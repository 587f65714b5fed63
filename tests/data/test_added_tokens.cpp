// Splitting added-token literals out of raw text, as Hugging Face's tokenizers do (the golden records with
// "<mask>", "</s>", "[CLS]" literals check the end result through the real tokenizers).
#include "data/tokenizers/added_tokens.h"

#include <gtest/gtest.h>

namespace attune::data {
namespace {

std::vector<std::pair<std::string, std::int64_t>> split(const AddedTokenSplitter& splitter,
                                                        const std::string& text) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& s : splitter.split(text)) out.emplace_back(s.text, s.id);
  return out;
}

using Segments = std::vector<std::pair<std::string, std::int64_t>>;

AddedTokenSplitter roberta_like() {
  return AddedTokenSplitter({{"<s>", 0, false, false},
                             {"</s>", 2, false, false},
                             {"<mask>", 50264, /*lstrip=*/true, false},
                             {"<pad>", 1, false, false}});
}

TEST(AddedTokens, SplitsLiteralsAndKeepsSurroundingText) {
  const auto splitter = roberta_like();
  EXPECT_EQ(split(splitter, "echo </s> > out"), (Segments{{"echo ", -1}, {"</s>", 2}, {" > out", -1}}));
  EXPECT_EQ(split(splitter, "<s></s>"), (Segments{{"<s>", 0}, {"</s>", 2}}));
  EXPECT_EQ(split(splitter, "no literal <here>"), (Segments{{"no literal <here>", -1}}));
  EXPECT_EQ(split(splitter, ""), (Segments{}));
}

TEST(AddedTokens, LstripSwallowsWhitespaceOnTheLeft) {
  const auto splitter = roberta_like();
  EXPECT_EQ(split(splitter, "the \t<mask> token"),
            (Segments{{"the", -1}, {"<mask>", 50264}, {" token", -1}}));
  EXPECT_EQ(split(splitter, "  <mask>"), (Segments{{"<mask>", 50264}}));
}

TEST(AddedTokens, RstripSwallowsWhitespaceOnTheRight) {
  const AddedTokenSplitter splitter({{"[X]", 7, false, /*rstrip=*/true}});
  EXPECT_EQ(split(splitter, "a [X] \u3000b"), (Segments{{"a ", -1}, {"[X]", 7}, {"b", -1}}));
}

TEST(AddedTokens, LongestMatchWinsAndUnusableTokensAreIgnored) {
  const AddedTokenSplitter splitter({{"[A]", 1, false, false},
                                     {"[A]B", 2, false, false},
                                     {"", 3, false, false},
                                     {"[C]", -1, false, false}});
  EXPECT_EQ(split(splitter, "x[A]B[A][C]"), (Segments{{"x", -1}, {"[A]B", 2}, {"[A]", 1}, {"[C]", -1}}));
}

TEST(AddedTokens, PythonSpaceIncludesFileSeparators) {
  EXPECT_TRUE(is_python_space(0x1C));
  EXPECT_TRUE(is_python_space(0x3000));
  EXPECT_FALSE(is_python_space(0x200B));
}

}  // namespace
}  // namespace attune::data
