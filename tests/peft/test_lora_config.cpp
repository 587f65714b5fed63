#include "peft/lora_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::peft {
namespace {

using json = nlohmann::json;

json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

TEST(LoraConfig, ScalingIsAlphaOverROrSqrtR) {
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  EXPECT_DOUBLE_EQ(c.scaling(), 2.0);
  c.use_rslora = true;
  EXPECT_DOUBLE_EQ(c.scaling(), 4.0);  // 8 / sqrt(4)
}

TEST(LoraConfig, DefaultsArePeftsAndAttunesDifferInAlphaAndDropoutOnly) {
  const LoraConfig peft;
  EXPECT_EQ(peft.r, 8);
  EXPECT_DOUBLE_EQ(peft.lora_alpha, 8);
  EXPECT_DOUBLE_EQ(peft.lora_dropout, 0.0);
  EXPECT_TRUE(peft.target_modules.empty());
  EXPECT_EQ(peft.bias, "none");
  LoraConfig attune = attune_lora_defaults();
  EXPECT_DOUBLE_EQ(attune.lora_alpha, 16);
  EXPECT_DOUBLE_EQ(attune.lora_dropout, 0.1);
  attune.lora_alpha = peft.lora_alpha;
  attune.lora_dropout = peft.lora_dropout;
  EXPECT_EQ(lora_config_to_json(attune), lora_config_to_json(peft));
}

TEST(LoraConfig, ValidateRejectsOutOfRangeValues) {
  LoraConfig c;
  c.r = 0;
  EXPECT_THROW(c.validate(), InputError);
  c = LoraConfig{};
  c.lora_dropout = 1.0;
  EXPECT_THROW(c.validate(), InputError);
  c = LoraConfig{};
  c.bias = "some";
  EXPECT_THROW(c.validate(), InputError);
}

// A malformed adapter_config.json is an InputError naming the file, whatever the JSON library throws.
TEST(LoraConfig, OutOfRangeNumbersAndWrongTypesAreInputErrors) {
  const auto dir = attune::testing::temp_dir("lora-config-bad");
  for (const char* text : {R"({"r": 1e400})", R"({"r": "eight"})", R"({"target_modules": 7})", "{"}) {
    const auto file = dir / "adapter_config.json";
    std::ofstream(file) << text;
    try {
      load_lora_config(file.string());
      FAIL() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("adapter_config.json"), std::string::npos) << e.what();
    }
  }
}

// A value of the wrong type nested 100,000 deep overflowed the stack while the error quoted it back
// (json::dump recurses); adapter_config.json is refused above kMaxJsonDepth levels before it is parsed.
TEST(LoraConfig, DeepNestingIsRefusedBeforeParsing) {
  const auto file = attune::testing::temp_dir("lora-config-deep") / "adapter_config.json";
  const int depth = 100000;
  std::ofstream(file) << R"({"peft_type": "LORA", "r": )" << std::string(depth, '[')
                      << std::string(depth, ']') << "}";
  try {
    load_lora_config(file.string());
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("adapter_config.json: the JSON nests deeper than 64 levels"),
              std::string::npos)
        << e.what();
  }
}

// PEFT's own adapter_config.json reads into the values PEFT wrote, and our writer reproduces it field for
// field (target_modules is a Python set in PEFT, so its order is arbitrary: compared as a set).
TEST(LoraConfig, ReadsAndRewritesPeftsGoldenConfig) {
  ATTUNE_REQUIRE_SHARED("golden/roberta_lora");
  const auto file = attune::testing::shared_dir() / "golden/roberta_lora/adapter_config.json";
  const LoraConfig c = load_lora_config(file.string());
  EXPECT_EQ(c.r, 4);
  EXPECT_DOUBLE_EQ(c.lora_alpha, 8);
  EXPECT_DOUBLE_EQ(c.lora_dropout, 0.0);
  EXPECT_EQ(c.bias, "none");
  EXPECT_FALSE(c.use_rslora);
  EXPECT_EQ(c.base_model_name_or_path, "../roberta");
  ASSERT_TRUE(c.modules_to_save.has_value());
  EXPECT_EQ(*c.modules_to_save, (std::vector<std::string>{"classifier", "classifier", "score"}));

  json golden = read_json(file);
  json ours = lora_config_to_json(c);
  auto as_set = [](const json& list) { return std::set<std::string>(list.begin(), list.end()); };
  EXPECT_EQ(as_set(ours["target_modules"]), as_set(golden["target_modules"]));
  ours.erase("target_modules");
  golden.erase("target_modules");
  EXPECT_EQ(ours, golden) << "ours:\n" << ours.dump(2) << "\ngolden:\n" << golden.dump(2);
  EXPECT_EQ(lora_config_to_json(c)["lora_alpha"].dump(), "8");  // integral alpha stays an int
}

TEST(LoraConfig, RejectsWhatAttuneDoesNotImplement) {
  json j = lora_config_to_json(LoraConfig{});
  j["use_dora"] = true;
  EXPECT_THROW(lora_config_from_json(j, "a.json"), InputError);
  j = lora_config_to_json(LoraConfig{});
  j["rank_pattern"] = {{"query", 16}};
  EXPECT_THROW(lora_config_from_json(j, "a.json"), InputError);
  j = lora_config_to_json(LoraConfig{});
  j["peft_type"] = "IA3";
  EXPECT_THROW(lora_config_from_json(j, "a.json"), InputError);
  j = lora_config_to_json(LoraConfig{});
  j["r"] = "4";
  try {
    lora_config_from_json(j, "a.json");
    FAIL() << "a string rank was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a.json: key 'r'"), std::string::npos) << e.what();
  }
}

TEST(LoraConfig, RoundTripsOurOwnFields) {
  LoraConfig c;
  c.r = 16;
  c.lora_alpha = 12.5;
  c.lora_dropout = 0.1;
  c.target_modules = ModuleSelector::pattern(".*query");
  c.exclude_modules = ModuleSelector::list({"layer.0.attention.self.query"});
  c.modules_to_save = std::vector<std::string>{"pooler", "classifier"};
  c.bias = "lora_only";
  c.use_rslora = true;
  c.layers_to_transform = {0, 2};
  c.base_model_name_or_path = "microsoft/deberta-v3-base";
  const LoraConfig back = lora_config_from_json(lora_config_to_json(c), "x");
  EXPECT_EQ(lora_config_to_json(back), lora_config_to_json(c));
  EXPECT_EQ(*back.target_modules.regex, ".*query");
  EXPECT_EQ(back.layers_to_transform, (std::vector<int64_t>{0, 2}));
}

}  // namespace
}  // namespace attune::peft
