// base/strings.h's json_nesting_depth: brackets outside strings counted, escaped quotes honoured, so that
// serve and predict can refuse deep JSON before parsing it.
#include <gtest/gtest.h>

#include "base/strings.h"

namespace attune {
namespace {

TEST(JsonNestingDepth, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_EQ(json_nesting_depth(""), 0u);
  EXPECT_EQ(json_nesting_depth("\"x\""), 0u);
  EXPECT_EQ(json_nesting_depth("{\"text\": \"whoami\"}"), 1u);
  EXPECT_EQ(json_nesting_depth("{\"a\": [1, {\"b\": []}], \"c\": {}}"), 4u);
  EXPECT_EQ(json_nesting_depth("{\"text\": \"[[[[{{{{\"}"), 1u);            // inside a string
  EXPECT_EQ(json_nesting_depth("{\"text\": \"a\\\"[[[[\"}"), 1u);           // an escaped quote stays inside
  EXPECT_EQ(json_nesting_depth("{\"text\": \"a\\\\\", \"b\": [[]]}"), 3u);  // an escaped backslash ends it
  EXPECT_EQ(json_nesting_depth(std::string(100000, '[')), 100000u);         // unbalanced: still counted
  EXPECT_EQ(json_nesting_depth("]]]{"), 1u);
}

}  // namespace
}  // namespace attune
