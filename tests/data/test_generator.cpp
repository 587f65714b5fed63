// gen-data's corpora: exact split counts, disjoint splits, determinism, the 4class card's size, casing,
// sanitization and stress set, template holdout and the manifest.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/errors.h"
#include "data/csv.h"
#include "data/generator/generator.h"
#include "data/generator/sanitize.h"
#include "data/generator/templates.h"
#include "test_paths.h"

namespace attune::data {
namespace {

using attune::testing::temp_dir;

std::size_t count_label(const std::vector<GeneratedRow>& rows, const std::string& label) {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const GeneratedRow& r) { return r.label == label; }));
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void expect_disjoint(const GeneratedData& d) {
  std::set<std::string> seen;
  std::size_t total = 0;
  for (const auto* split : {&d.train, &d.validation, &d.test, &d.stress})
    for (const auto& row : *split) {
      seen.insert(row.text);
      ++total;
    }
  EXPECT_EQ(seen.size(), total) << "a text occurs twice (within or across splits)";
}

TEST(Generator, BinaryTestSplitHasTheCardsExactCounts) {
  auto d = generate_data({"binary", 42, std::nullopt});
  EXPECT_EQ(count_label(d.test, "Benign"), 1925u);
  EXPECT_EQ(count_label(d.test, "T1003.002"), 1997u);
  EXPECT_EQ(d.test.size(), 3922u);
  EXPECT_EQ(count_label(d.validation, "Benign"), 1925u);
  EXPECT_EQ(count_label(d.validation, "T1003.002"), 1997u);
  EXPECT_EQ(d.train.size(), 19250u + 19970u - 2 * 3922u);
  EXPECT_TRUE(d.stress.empty());
  expect_disjoint(d);
}

TEST(Generator, ManifestRecordsPresetSeedCountsAndTemplates) {
  auto d = generate_data({"discovery4", 5, std::nullopt});
  const auto& m = d.manifest;
  EXPECT_EQ(m.at("preset"), "discovery4");
  EXPECT_EQ(m.at("seed"), 5);
  EXPECT_TRUE(m.at("holdout_fraction").is_null());
  EXPECT_TRUE(m.at("duplicates_removed").is_number_unsigned());
  std::size_t total = 0;
  for (const auto& split : {"train", "validation", "test"}) {
    for (const auto& label : {"Benign", "T1003.002", "T1087.001", "T1049"})
      EXPECT_TRUE(m.at("counts").at(split).contains(label)) << split << " " << label;
    total += m.at("counts").at(split).at("total").get<std::size_t>();
  }
  EXPECT_EQ(total, 20000u);
  EXPECT_EQ(m.at("counts").at("test").at("T1049"), 500);
  for (const auto& label : {"Benign", "T1003.002", "T1087.001", "T1049"}) {
    EXPECT_GE(m.at("templates").at(label).at("count").get<std::size_t>(), 30u) << label;
    EXPECT_GE(m.at("templates").at(label).at("families").size(), 4u) << label;
  }
  expect_disjoint(d);
}

TEST(Generator, SameSeedGivesByteIdenticalFilesAnotherSeedDiffers) {
  auto a = temp_dir("gen-a"), b = temp_dir("gen-b"), c = temp_dir("gen-c");
  write_generated_data(generate_data({"binary", 7, std::nullopt}), a);
  write_generated_data(generate_data({"binary", 7, std::nullopt}), b);
  write_generated_data(generate_data({"binary", 8, std::nullopt}), c);
  for (const auto& file : {"train.csv", "validation.csv", "test.csv", "manifest.json"}) {
    ASSERT_TRUE(std::filesystem::exists(a / file)) << file;
    EXPECT_EQ(slurp(a / file), slurp(b / file)) << file;
  }
  EXPECT_NE(slurp(a / "train.csv"), slurp(c / "train.csv"));
  EXPECT_EQ(slurp(a / "test.csv").substr(0, 11), "text,label\n");
  auto test = read_examples(a / "test.csv");
  EXPECT_EQ(test.size(), 3922u);
}

// The 4class card's corpus, generated once for the tests below.
class FourClass : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new GeneratedData(generate_data({"4class", 42, std::nullopt}));
    dir_ = new std::filesystem::path(temp_dir("gen-4class"));
    write_generated_data(*data_, *dir_);
  }
  static void TearDownTestSuite() {
    delete data_;
    delete dir_;
  }
  static GeneratedData* data_;
  static std::filesystem::path* dir_;
};
GeneratedData* FourClass::data_ = nullptr;
std::filesystem::path* FourClass::dir_ = nullptr;

TEST_F(FourClass, HasAtLeast150kRowsAndA1050RowBalancedStressSet) {
  const auto& d = *data_;
  EXPECT_GE(d.train.size() + d.validation.size() + d.test.size(), 150000u);
  auto stress = read_examples(*dir_ / "stress.csv");
  EXPECT_EQ(stress.size(), 1050u);
  for (const auto& label : {"Benign", "T1003.002", "T1562", "T1134"}) {
    auto n = count_label(d.stress, label);
    EXPECT_TRUE(n == 262 || n == 263) << label << ": " << n;
  }
  expect_disjoint(d);
}

TEST_F(FourClass, EveryTextIsLowerCase) {
  for (const auto* split : {&data_->train, &data_->validation, &data_->test, &data_->stress})
    for (const auto& row : *split)
      ASSERT_FALSE(std::any_of(row.text.begin(), row.text.end(), [](unsigned char c) {
        return std::isupper(c);
      })) << row.text;
}

TEST_F(FourClass, BenignRowsHoldNoAttackKeyword) {
  // A few unmistakable markers written here, independent of the generator's own list, plus that list.
  const std::vector<std::string> markers = {"hklm\\sam",    "lsadump",          "disablerealtimemonitoring",
                                            "setenforce 0", "auditpol /clear",  "/netonly",
                                            "steal_token",  "duplicatetokenex", "wevtutil cl"};
  for (const auto* split : {&data_->train, &data_->validation, &data_->test, &data_->stress})
    for (const auto& row : *split) {
      if (row.label != "Benign") continue;
      for (const auto& marker : markers) ASSERT_EQ(row.text.find(marker), std::string::npos) << row.text;
      ASSERT_EQ(find_malicious_keyword(row.text, {"T1003.002", "T1562", "T1134"}), "") << row.text;
    }
}

TEST_F(FourClass, NoiseAndStressEvasionsArePresent) {
  EXPECT_GT(data_->manifest.at("noisy_rows").get<std::size_t>(), 10000u);
  std::size_t carets = 0, quotes = 0;
  for (const auto& row : data_->stress) {
    carets += row.text.find('^') != std::string::npos;
    quotes += row.text.find('"') != std::string::npos;
  }
  EXPECT_GT(carets, 50u);
  EXPECT_GT(quotes, 50u);
}

// Adversarial training: about 30 % of the command rows carry a stress-style evasion, in every label (so an
// evasion is no shortcut to a label), while the stress set's texts stay out of every split.
TEST_F(FourClass, TrainingRowsCarryEvasionsInEveryLabel) {
  const auto evaded = data_->manifest.at("evasion_augmented_rows").get<std::size_t>();
  EXPECT_GT(evaded, 28000u);
  EXPECT_LT(evaded, 42000u);
  EXPECT_TRUE(data_->manifest.at("stress").at("evasion_families_also_in_training_augmentation").get<bool>());
  for (const auto& label : {"Benign", "T1003.002", "T1562", "T1134"}) {
    std::size_t carets = 0;
    for (const auto& row : data_->train)
      carets += row.label == label && row.text.find('^') != std::string::npos;
    EXPECT_GT(carets, 100u) << label;
  }
}

TEST(Generator, PresetsWithoutEvasionAugmentationHaveNone) {
  auto d = generate_data({"binary", 5, std::nullopt});
  EXPECT_EQ(d.manifest.at("evasion_augmented_rows").get<std::size_t>(), 0u);
  for (const auto& row : d.train)  // real command lines (the benign world) may hold a caret of their own
    if (!from_world(row)) {
      ASSERT_EQ(row.text.find('^'), std::string::npos) << row.text;
    }
}

TEST(Generator, TemplateHoldoutKeepsTestTemplatesOutOfTraining) {
  auto d = generate_data({"binary", 3, 0.25});
  std::set<std::string> seen_in_training;
  for (const auto* split : {&d.train, &d.validation})
    for (const auto& row : *split) seen_in_training.insert(row.template_id);
  ASSERT_FALSE(d.test.empty());
  for (const auto& row : d.test) ASSERT_EQ(seen_in_training.count(row.template_id), 0u) << row.template_id;
  for (const auto& label : {"Benign", "T1003.002"}) {
    EXPECT_GT(count_label(d.test, label), 0u) << label;
    const auto& held = d.manifest.at("holdout").at(label).at("test");
    EXPECT_GE(held.size(), 1u);
    for (const auto& id : held) EXPECT_EQ(seen_in_training.count(id.get<std::string>()), 0u);
  }
  EXPECT_DOUBLE_EQ(d.manifest.at("holdout_fraction").get<double>(), 0.25);
  expect_disjoint(d);
}

TEST(Generator, RejectsUnknownPresetAndBadHoldoutFraction) {
  try {
    generate_data({"fiveclass", 1, std::nullopt});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("binary, discovery4, 4class"), std::string::npos) << e.what();
  }
  EXPECT_THROW(generate_data({"binary", 1, 0.0}), InputError);
  EXPECT_THROW(generate_data({"binary", 1, 1.0}), InputError);
  EXPECT_THROW(generate_data({"binary", 1, -0.5}), InputError);
}

TEST(Generator, RegistryHasStableUniqueIdsAndManyFamilies) {
  const auto& all = gen::template_registry().all();
  std::set<std::string> ids;
  std::map<std::string, std::set<std::string>> families;
  for (const auto& t : all) {
    EXPECT_TRUE(ids.insert(t.id).second) << "duplicate id " << t.id;
    families[t.label].insert(t.family);
  }
  for (const auto& label : {"T1003.002", "T1087.001", "T1049", "T1562", "T1134"})
    EXPECT_GE(families[label].size(), 5u) << label;
  EXPECT_EQ(all.front().id, "benign.win_admin.01");
}

}  // namespace
}  // namespace attune::data
