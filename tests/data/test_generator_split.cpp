// Stratified and template-holdout splits.
#include <gtest/gtest.h>

#include <set>

#include "data/generator/split.h"

namespace attune::data {
namespace {

std::vector<GeneratedRow> fake_rows(std::size_t a, std::size_t b) {
  std::vector<GeneratedRow> rows;
  for (std::size_t i = 0; i < a; ++i)
    rows.push_back({"a" + std::to_string(i), "A", "a.t." + std::to_string(i % 10)});
  for (std::size_t i = 0; i < b; ++i)
    rows.push_back({"b" + std::to_string(i), "B", "b.t." + std::to_string(i % 10)});
  return rows;
}

std::size_t count(const std::vector<GeneratedRow>& rows, const std::string& label) {
  std::size_t n = 0;
  for (const auto& r : rows) n += r.label == label;
  return n;
}

TEST(Split, TenthRoundsHalfUp) {
  EXPECT_EQ(tenth(19250), 1925u);
  EXPECT_EQ(tenth(19970), 1997u);
  EXPECT_EQ(tenth(15), 2u);
  EXPECT_EQ(tenth(14), 1u);
}

TEST(Split, StratifiedIsExactPerLabelAndDeterministic) {
  auto s = stratified_split(fake_rows(1005, 333), {"A", "B"}, 9);
  EXPECT_EQ(count(s.test, "A"), 101u);
  EXPECT_EQ(count(s.validation, "A"), 101u);
  EXPECT_EQ(count(s.train, "A"), 803u);
  EXPECT_EQ(count(s.test, "B"), 33u);
  EXPECT_EQ(count(s.train, "B"), 267u);
  auto again = stratified_split(fake_rows(1005, 333), {"A", "B"}, 9);
  ASSERT_EQ(again.test.size(), s.test.size());
  for (std::size_t i = 0; i < s.test.size(); ++i) EXPECT_EQ(again.test[i].text, s.test[i].text);
  auto other = stratified_split(fake_rows(1005, 333), {"A", "B"}, 10);
  bool differs = false;
  for (std::size_t i = 0; i < s.test.size(); ++i) differs = differs || other.test[i].text != s.test[i].text;
  EXPECT_TRUE(differs);
}

TEST(Split, HoldoutSendsHeldTemplatesToTestOnly) {
  auto s = holdout_split(fake_rows(900, 900), {"A", "B"}, {"a.t.3", "b.t.7"}, 1);
  EXPECT_EQ(s.test.size(), 180u);
  for (const auto& r : s.test) EXPECT_TRUE(r.template_id == "a.t.3" || r.template_id == "b.t.7");
  for (const auto* split : {&s.train, &s.validation})
    for (const auto& r : *split) EXPECT_TRUE(r.template_id != "a.t.3" && r.template_id != "b.t.7");
  EXPECT_EQ(count(s.validation, "A"), 90u);  // 810 / 9
  EXPECT_EQ(count(s.train, "A"), 720u);
}

}  // namespace
}  // namespace attune::data
