// The unlabeled pretraining pool: deterministic, varied, drawn from every kind of template.
#include "data/generator/pool.h"

#include <gtest/gtest.h>

#include <set>

namespace attune::data {
namespace {

TEST(TextPool, ByteIdenticalForASeedAndDifferentAcrossSeeds) {
  const auto a = generate_text_pool(2000, 7);
  const auto b = generate_text_pool(2000, 7);
  const auto c = generate_text_pool(2000, 8);
  ASSERT_EQ(a.size(), 2000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(TextPool, VariedTextWithEveryTreatment) {
  TextPoolStats stats;
  const auto lines = generate_text_pool(5000, 1, &stats);
  std::set<std::string> distinct(lines.begin(), lines.end());
  EXPECT_GT(distinct.size(), 4000u);  // mostly distinct lines
  EXPECT_GT(stats.templates, 300u);
  EXPECT_GT(stats.lowercased, 1500u);
  EXPECT_GT(stats.case_games, 1000u);
  EXPECT_GT(stats.noisy, 200u);
  EXPECT_GT(stats.evasions, 200u);
  for (const auto& line : lines) {
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace attune::data
