// data/generator/ctf.h: the ctf preset has the CTF-telemetry study's shape (a few hundred unique strings,
// Normal plus ~50 techniques, T1083 holding most observations, a tail of rare techniques), no text under
// two labels, deterministic counts, a 60/20/20 split covering every row once, and all.csv with counts.
#include "data/generator/ctf.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "data/generator/presets.h"
#include "test_paths.h"

namespace attune::data {
namespace {

TEST(CtfPreset, HasTheStudysShape) {
  const auto rows = ctf_rows(1);
  EXPECT_GE(rows.size(), 250u);
  EXPECT_LE(rows.size(), 350u);
  std::map<std::string, std::uint64_t> observations;
  std::map<std::string, std::string> label_of;
  std::uint64_t total = 0;
  for (const auto& r : rows) {
    EXPECT_GE(r.count, 1u);
    observations[r.label] += r.count;
    total += r.count;
    const auto [it, fresh] = label_of.emplace(r.text, r.label);
    EXPECT_TRUE(fresh) << "'" << r.text << "' twice (" << it->second << ", " << r.label << ")";
  }
  EXPECT_EQ(observations.size(), ctf_labels().size());
  EXPECT_EQ(ctf_labels().front(), "Normal");
  const double t1083 = static_cast<double>(observations.at("T1083")) / static_cast<double>(total);
  EXPECT_GT(t1083, 0.8);
  EXPECT_LT(t1083, 0.9);
  std::size_t rare = 0;
  for (const auto& [label, n] : observations) rare += n < 20;
  EXPECT_GE(rare, 10u) << "the tail that data.group_rare groups";
}

TEST(CtfPreset, DeterministicForASeedAndSeedDependent) {
  const auto a = ctf_rows(1), b = ctf_rows(1), c = ctf_rows(2);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].count, b[i].count);
  }
  std::set<std::string> texts_a, texts_c;
  for (const auto& r : a) texts_a.insert(r.text);
  for (const auto& r : c) texts_c.insert(r.text);
  EXPECT_NE(texts_a, texts_c);
}

TEST(CtfPreset, GeneratesSplitsAndAllCsvWithCounts) {
  GenDataOptions options;
  options.preset = "ctf";
  options.seed = 3;
  const auto data = generate_data(options);
  EXPECT_EQ(find_preset("ctf").labels, ctf_labels());
  std::multiset<std::string> split_texts;
  for (const auto* split : {&data.train, &data.validation, &data.test})
    for (const auto& r : *split) split_texts.insert(r.text);
  std::multiset<std::string> all;
  for (const auto& r : data.all) all.insert(r.text);
  EXPECT_EQ(split_texts, all);
  EXPECT_GT(data.train.size(), 2 * data.test.size());

  const auto dir = attune::testing::temp_dir("ctf-preset");
  write_generated_data(data, dir);
  const auto examples = read_examples(dir / "all.csv");
  ASSERT_EQ(examples.size(), data.all.size());
  double observations = 0;
  for (const auto& e : examples) observations += e.weight;
  EXPECT_DOUBLE_EQ(observations, data.manifest["observations"].get<double>());
  EXPECT_EQ(read_text_file(dir / "train.csv").rfind("text,label,count\n", 0), 0u);

  options.holdout_templates = 0.3;
  EXPECT_THROW(generate_data(options), attune::InputError);
}

}  // namespace
}  // namespace attune::data
