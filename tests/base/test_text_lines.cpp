// base/file_io.h's text_lines: the byte-order mark dropped, LF and CRLF ends removed, a final line end
// opening no extra line, empty lines kept.
#include <gtest/gtest.h>

#include "base/file_io.h"

namespace attune {
namespace {

TEST(TextLines, DropsTheBomAndLineEndsKeepsEmptyLines) {
  using V = std::vector<std::string>;
  EXPECT_EQ(text_lines(""), V{});
  EXPECT_EQ(text_lines("a"), V{"a"});
  EXPECT_EQ(text_lines("a\n"), V{"a"});
  EXPECT_EQ(text_lines("\xEF\xBB\xBF"
                       "a\r\n\r\nb"),
            (V{"a", "", "b"}));
  EXPECT_EQ(text_lines("a\rb\n"), V{"a\rb"});  // a lone CR is not a line end
}

}  // namespace
}  // namespace attune
