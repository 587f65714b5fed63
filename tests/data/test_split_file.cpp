// data/split_file.h: identical rows merged with their counts, rare labels grouped by observations, the
// stratified split by fractions (sizes per label, disjoint, deterministic, seed-dependent), and the CSV it
// writes read back with its counts.
#include "data/split_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_paths.h"

namespace attune::data {
namespace {

Example row(const std::string& text, const std::string& label, double weight = 1) {
  Example e;
  e.text = text;
  e.label = label;
  e.weight = weight;
  return e;
}

std::vector<Example> rows_per_label(const std::map<std::string, int>& sizes) {
  std::vector<Example> out;
  for (const auto& [label, n] : sizes)
    for (int i = 0; i < n; ++i) out.push_back(row(label + " command " + std::to_string(i), label, 1 + i % 3));
  return out;
}

TEST(SplitFile, IdenticalRowsMergeTheirCounts) {
  std::vector<Example> rows = {row("id", "T1033", 3), row("ls", "Normal", 5), row("id", "T1033", 4),
                               row("id", "Normal", 1)};
  EXPECT_EQ(merge_identical_rows(rows), 1u);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].text, "id");
  EXPECT_DOUBLE_EQ(rows[0].weight, 7);
  EXPECT_EQ(rows[2].label, "Normal");  // the same text under another label stays its own row
}

TEST(SplitFile, RareLabelsGroupByObservationsNotRows) {
  // T1 has one row seen 50 times; T2 three rows seen 1 time each; T3 two rows, 9 observations.
  std::vector<Example> rows = {row("a", "T1", 50), row("b", "T2"),    row("c", "T2"),     row("d", "T2"),
                               row("e", "T3", 4),  row("f", "T3", 5), row("g", "Z999", 1)};
  const auto renamed = group_rare_labels(rows, 10, "Z999");
  ASSERT_EQ(renamed.size(), 2u);
  EXPECT_DOUBLE_EQ(renamed.at("T2"), 3);
  EXPECT_DOUBLE_EQ(renamed.at("T3"), 9);
  std::multiset<std::string> labels;
  for (const auto& e : rows) labels.insert(e.label);
  EXPECT_EQ(labels.count("T1"), 1u);
  EXPECT_EQ(labels.count("Z999"), 6u);
  EXPECT_TRUE(group_rare_labels(rows, 0, "Z999").empty());
}

TEST(SplitFile, StratifiedFractionsPerLabelDisjointAndDeterministic) {
  const auto rows = rows_per_label({{"Normal", 100}, {"T1059", 10}, {"T1105", 3}, {"T1021", 1}});
  const auto s = stratified_example_split(rows, {0.6, 0.2, 0.2}, 7);
  auto count = [](const std::vector<Example>& split, const std::string& label) {
    return std::count_if(split.begin(), split.end(), [&](const Example& e) { return e.label == label; });
  };
  EXPECT_EQ(count(s.test, "Normal"), 20);
  EXPECT_EQ(count(s.validation, "Normal"), 20);
  EXPECT_EQ(count(s.train, "Normal"), 60);
  EXPECT_EQ(count(s.test, "T1059"), 2);
  EXPECT_EQ(count(s.train, "T1059"), 6);
  EXPECT_EQ(count(s.test, "T1105"), 1);  // 0.6 rounds up
  EXPECT_EQ(count(s.validation, "T1105"), 1);
  EXPECT_EQ(count(s.train, "T1105"), 1);
  EXPECT_EQ(count(s.train, "T1021"), 1);  // a single row trains
  std::set<std::string> seen;
  for (const auto* split : {&s.train, &s.validation, &s.test})
    for (const auto& e : *split) EXPECT_TRUE(seen.insert(e.text).second) << e.text << " in two splits";
  EXPECT_EQ(seen.size(), rows.size());

  const auto again = stratified_example_split(rows, {0.6, 0.2, 0.2}, 7);
  const auto other = stratified_example_split(rows, {0.6, 0.2, 0.2}, 8);
  auto texts = [](const std::vector<Example>& split) {
    std::vector<std::string> t;
    for (const auto& e : split) t.push_back(e.text);
    return t;
  };
  EXPECT_EQ(texts(again.test), texts(s.test));
  EXPECT_EQ(texts(again.train), texts(s.train));
  EXPECT_NE(texts(other.test), texts(s.test));
  // The default is 80/10/10.
  const auto d = stratified_example_split(rows, {}, 7);
  EXPECT_EQ(count(d.test, "Normal"), 10);
  EXPECT_EQ(count(d.train, "Normal"), 80);
}

TEST(SplitFile, WrittenCsvReadsBackWithItsCounts) {
  const auto dir = attune::testing::temp_dir("split-file");
  const std::vector<Example> rows = {row("ssh -p 2222 root@10.0.0.5", "T1021.004", 12),
                                     row("echo \"a,b\"", "Normal", 1)};
  ExampleColumns columns;
  write_examples(dir / "with.csv", rows, columns, /*with_count=*/true);
  const auto back = read_examples(dir / "with.csv", columns);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].text, rows[0].text);
  EXPECT_DOUBLE_EQ(back[0].weight, 12);
  EXPECT_EQ(back[1].text, "echo \"a,b\"");
  write_examples(dir / "without.csv", rows, columns, /*with_count=*/false);
  EXPECT_DOUBLE_EQ(read_examples(dir / "without.csv", columns)[0].weight, 1);
}

}  // namespace
}  // namespace attune::data
