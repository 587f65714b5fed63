// data/label_map.{h,cpp}: label order, ids, id2label JSON with string keys.
#include "data/label_map.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace attune::data {
namespace {

std::vector<Example> examples(std::initializer_list<std::string> labels) {
  std::vector<Example> out;
  std::size_t line = 2;
  for (const auto& l : labels) out.push_back(Example{"text", l, 1.0, line++});
  return out;
}

TEST(LabelMap, SortsDistinctTrainingLabels) {
  const auto map = LabelMap::from_examples(examples({"T1059", "T1003", "T1059", "benign", "T1105"}));
  EXPECT_EQ(map.labels(), (std::vector<std::string>{"T1003", "T1059", "T1105", "benign"}));
  EXPECT_EQ(map.id("T1003"), 0);
  EXPECT_EQ(map.id("benign"), 3);
  EXPECT_EQ(map.label(2), "T1105");
  EXPECT_FALSE(map.find("T9999").has_value());
}

TEST(LabelMap, ConfiguredOrderWins) {
  const std::vector<std::string> configured{"benign", "malicious"};
  const auto map = LabelMap::from_config_or_examples(configured, examples({"malicious", "benign"}));
  EXPECT_EQ(map.id("benign"), 0);
  EXPECT_EQ(map.id("malicious"), 1);
  const auto sorted = LabelMap::from_config_or_examples(std::nullopt, examples({"z", "a"}));
  EXPECT_EQ(sorted.labels(), (std::vector<std::string>{"a", "z"}));
}

TEST(LabelMap, SortsByCodePointLikePython) {
  // Python: sorted(["b", "B", "é", "a"]) == ["B", "a", "b", "é"]
  const auto map = LabelMap::from_examples(examples({"b", "B", "\xC3\xA9", "a"}));
  EXPECT_EQ(map.labels(), (std::vector<std::string>{"B", "a", "b", "\xC3\xA9"}));
}

TEST(LabelMap, Id2LabelHasStringKeysAndRoundTrips) {
  std::vector<std::string> labels;
  for (int i = 0; i < 12; ++i) labels.push_back("L" + std::to_string(i));
  const LabelMap map(labels);
  const auto j = map.id2label();
  EXPECT_EQ(j.at("0"), "L0");
  EXPECT_EQ(j.at("11"), "L11");
  EXPECT_EQ(map.label2id().at("L10"), 10);
  EXPECT_EQ(LabelMap::from_id2label(nlohmann::json::parse(j.dump()), "config.json"), map);
}

TEST(LabelMap, RejectsBadId2Label) {
  EXPECT_THROW(LabelMap::from_id2label(nlohmann::json::parse(R"({"0":"a","2":"b"})"), "c.json"), InputError);
  EXPECT_THROW(LabelMap::from_id2label(nlohmann::json::parse(R"({"0":"a","01":"b"})"), "c.json"), InputError);
  EXPECT_THROW(LabelMap::from_id2label(nlohmann::json::parse(R"({"0":"a","1":"a"})"), "c.json"), InputError);
  EXPECT_THROW(LabelMap::from_id2label(nlohmann::json::parse(R"({"0":1})"), "c.json"), InputError);
  EXPECT_THROW(LabelMap::from_id2label(nlohmann::json::parse(R"(["a"])"), "c.json"), InputError);
  try {
    LabelMap::from_id2label(nlohmann::json::parse(R"({"0":"a","x":"b"})"), "m/config.json");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m/config.json"), std::string::npos) << e.what();
  }
}

TEST(LabelMap, RejectsDuplicatesAndUnknownLabels) {
  EXPECT_THROW(LabelMap({"a", "b", "a"}), InputError);
  EXPECT_THROW(LabelMap({"a", ""}), InputError);
  const LabelMap map({"a", "b"});
  EXPECT_THROW(map.id("c"), InputError);
  EXPECT_THROW(map.label(2), std::out_of_range);
  EXPECT_THROW(map.label(-1), std::out_of_range);
  EXPECT_EQ(map.ids(examples({"b", "a", "b"})), (std::vector<int64_t>{1, 0, 1}));
  try {
    map.ids(examples({"a", "zzz"}), "val.csv");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("val.csv:3:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attune::data
