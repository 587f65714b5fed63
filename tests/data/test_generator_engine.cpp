// The template engine (choices, slots, bindings, ranges, errors) and its random source.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "data/generator/rng.h"
#include "data/generator/template_engine.h"

namespace attune::data::gen {
namespace {

SlotTable small_table() {
  SlotTable t;
  t.add_list("color", {"red", "green", "blue"});
  t.add_list("thing", {"{color} box", "{color} cup"});
  t.add_fn("lb", [](Rng&) { return std::string("{"); });
  t.finalize();
  return t;
}

TEST(TemplateEngine, ExpandsChoicesSlotsAndRanges) {
  const SlotTable t = small_table();
  Rng rng(1);
  Pattern p = compile_pattern("a {x|y} {thing} {#5-7}", "test", t);
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) seen.insert(p.expand(rng));
  EXPECT_EQ(seen.size(), 2u * 6u * 3u);  // every combination shows up
  EXPECT_TRUE(seen.count("a y green cup 6"));
}

TEST(TemplateEngine, OptionalGroupsAndLiteralBraces) {
  const SlotTable t = small_table();
  Rng rng(2);
  // '}' alone is unbalanced; literal braces go through {lb}
  EXPECT_THROW(compile_pattern("x }", "test", t), std::logic_error);
  Pattern q = compile_pattern("{lb}x{|!}", "test", t);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(q.expand(rng));
  EXPECT_EQ(seen, (std::set<std::string>{"{x", "{x!"}));
}

TEST(TemplateEngine, BoundSlotsRepeatTheirValue) {
  const SlotTable t = small_table();
  Rng rng(3);
  Pattern p = compile_pattern("{color@1}-{color@1}-{color@2}", "test", t);
  for (int i = 0; i < 100; ++i) {
    std::string s = p.expand(rng);
    auto a = s.substr(0, s.find('-'));
    auto rest = s.substr(s.find('-') + 1);
    EXPECT_EQ(rest.substr(0, rest.find('-')), a) << s;
  }
}

TEST(TemplateEngine, ZeroPaddedRange) {
  const SlotTable t = small_table();
  Rng rng(4);
  Pattern p = compile_pattern("{#001-009}", "test", t);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(p.expand(rng).size(), 3u);
}

TEST(TemplateEngine, RejectsUnknownSlotsAndBadSyntax) {
  const SlotTable t = small_table();
  EXPECT_THROW(compile_pattern("{nosuchslot}", "test", t), std::logic_error);
  EXPECT_THROW(compile_pattern("{color", "test", t), std::logic_error);
  EXPECT_THROW(compile_pattern("{#9-1}", "test", t), std::logic_error);
  EXPECT_THROW(compile_pattern("{#a-b}", "test", t), std::logic_error);
}

TEST(TemplateEngine, ProjectVocabularyCompiles) {
  Rng rng(5);
  Pattern p = compile_pattern(R"(reg save {hklm}\x {wtemp}\{fname} {user}@{whost} {ip})", "test");
  EXPECT_EQ(p.expand(rng).rfind("reg save HK", 0), 0u);
}

TEST(Rng, IsDeterministicAndInRange) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs = differs || x != c.next();
  }
  EXPECT_TRUE(differs);
  for (int i = 0; i < 1000; ++i) {
    auto v = a.range(-3, 3);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 3);
  }
  EXPECT_NE(stream_seed(1, "rows/Benign"), stream_seed(1, "rows/T1134"));
  EXPECT_NE(stream_seed(1, "stress"), stream_seed(2, "stress"));
}

}  // namespace
}  // namespace attune::data::gen
