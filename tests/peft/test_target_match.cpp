#include "peft/target_match.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace attune::peft {
namespace {

const char* const kQuery = "roberta.encoder.layer.0.attention.self.query";

// PEFT: a list entry matches the exact path or a ".name" suffix, never a bare substring.
TEST(TargetMatch, ListMatchesExactPathOrDotSuffix) {
  const auto s = ModuleSelector::list({"query", "output.dense"});
  EXPECT_TRUE(s.matches(kQuery));
  EXPECT_TRUE(s.matches("query"));
  EXPECT_TRUE(s.matches("roberta.encoder.layer.1.output.dense"));
  EXPECT_TRUE(s.matches("roberta.encoder.layer.1.attention.output.dense"));
  EXPECT_FALSE(s.matches("roberta.encoder.layer.1.intermediate.dense"));
  EXPECT_FALSE(s.matches("roberta.encoder.layer.0.attention.self.myquery"));
  EXPECT_FALSE(s.matches("roberta.encoder.layer.0.attention.self.query.lora_A"));
}

// PEFT: a single string is re.fullmatch on the path.
TEST(TargetMatch, StringIsAFullRegexMatch) {
  const auto s = ModuleSelector::pattern(R"(.*\.layer\.1\..*(query|value))");
  EXPECT_TRUE(s.matches("roberta.encoder.layer.1.attention.self.value"));
  EXPECT_FALSE(s.matches("roberta.encoder.layer.0.attention.self.value"));
  EXPECT_FALSE(ModuleSelector::pattern("query").matches(kQuery));  // full match, not search
  EXPECT_THROW(ModuleSelector::from_json("(unclosed", "target_modules"), InputError);
}

TEST(TargetMatch, FromJsonAcceptsNullStringOrListOnly) {
  EXPECT_TRUE(ModuleSelector::from_json(nullptr, "k").empty());
  EXPECT_EQ(*ModuleSelector::from_json(".*query", "k").regex, ".*query");
  EXPECT_EQ(ModuleSelector::from_json({"a", "b"}, "k").names, (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(ModuleSelector::from_json(3, "k"), InputError);
  EXPECT_THROW(ModuleSelector::from_json({"a", 1}, "k"), InputError);
  EXPECT_EQ(ModuleSelector::list({"a"}).to_json(), nlohmann::json({"a"}));
  EXPECT_TRUE(ModuleSelector{}.to_json().is_null());
}

// PEFT >= 0.16: modules inside modules_to_save are never targeted; exclude_modules wins over targets.
TEST(TargetMatch, ModulesToSaveAndExcludeModulesWin) {
  MatchRules rules;
  rules.target_modules = ModuleSelector::list({"query", "dense"});
  rules.modules_to_save = {"classifier", "classifier", "score"};
  EXPECT_EQ(match_module(rules, "classifier.dense"), MatchResult::kExcluded);
  EXPECT_EQ(match_module(rules, "classifier"), MatchResult::kExcluded);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.0.output.dense"), MatchResult::kTargeted);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.0.output.LayerNorm"), MatchResult::kUnmatched);
  rules.exclude_modules = ModuleSelector::list({"output.dense"});
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.0.output.dense"), MatchResult::kExcluded);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.0.attention.output.dense"), MatchResult::kExcluded);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.0.intermediate.dense"), MatchResult::kTargeted);
  rules.exclude_modules = ModuleSelector::pattern(".*layer\\.0\\..*");
  EXPECT_EQ(match_module(rules, kQuery), MatchResult::kExcluded);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.1.attention.self.query"), MatchResult::kTargeted);
}

TEST(TargetMatch, ModulesToSaveRules) {
  // Exclusion: "(^|.*\.)m($|\..*)"; saving: path.endswith(m) (PEFT's two rules).
  EXPECT_TRUE(inside_modules_to_save({"pooler"}, "pooler.dense"));
  EXPECT_FALSE(inside_modules_to_save({"pooler"}, "mypooler.dense"));
  EXPECT_TRUE(is_module_to_save({"classifier"}, "classifier"));
  EXPECT_FALSE(is_module_to_save({"classifier"}, "classifier.dense"));
}

// layers_to_transform keeps suffix matches in the listed layers (first "<name>.<index>." of the path).
TEST(TargetMatch, LayersToTransform) {
  MatchRules rules;
  rules.target_modules = ModuleSelector::list({"query"});
  rules.layers_to_transform = {1};
  EXPECT_EQ(match_module(rules, kQuery), MatchResult::kUnmatched);
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.1.attention.self.query"), MatchResult::kTargeted);
  rules.layers_pattern = {"blocks"};
  EXPECT_EQ(match_module(rules, "roberta.encoder.layer.1.attention.self.query"), MatchResult::kUnmatched);
}

TEST(TargetMatch, Defaults) {
  EXPECT_EQ(default_target_modules("roberta"), (std::vector<std::string>{"query", "key", "value", "dense"}));
  EXPECT_EQ(default_target_modules("bert"), default_target_modules("roberta"));
  EXPECT_EQ(default_target_modules("deberta-v2"),
            (std::vector<std::string>{"query_proj", "key_proj", "value_proj", "dense"}));
  EXPECT_THROW(default_target_modules("gpt2"), InputError);
}

}  // namespace
}  // namespace attune::peft
