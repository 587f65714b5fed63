// The model card of an exported dir: Hugging Face front matter, the labels with their ATT&CK names, the
// run's own test report and confusion matrix, the operating point, the backbone actually used (saying so
// when it was the embedded fallback) and a usage snippet with the preprocessing.
#include "inference/model_card.h"

#include <gtest/gtest.h>

#include "inference/attack_names.h"

namespace {

using namespace attune::inference;
using nlohmann::json;

json test_report() {
  json per_class = {
      {"Benign", {{"precision", 0.99}, {"recall", 1.0}, {"f1-score", 0.995}, {"support", 1925}}},
      {"T1003.002", {{"precision", 1.0}, {"recall", 0.99}, {"f1-score", 0.995}, {"support", 1997}}}};
  json avg = {{"precision", 0.995}, {"recall", 0.995}, {"f1-score", 0.995}, {"support", 3922}};
  return {{"labels", {"Benign", "T1003.002"}},
          {"confusion_matrix", {{1923, 2}, {0, 1997}}},
          {"per_class", per_class},
          {"accuracy", 0.9995},
          {"macro_avg", avg},
          {"weighted_avg", avg},
          {"weighted", false},
          {"rows", 3922}};
}

ModelCardInput input(const std::string& how) {
  ModelCardInput in;
  in.summary = {
      {"backbone",
       {{"name", how == "directory" ? "FacebookAI/roberta-base" : "roberta-compact"},
        {"how", how},
        {"sha256", "dc86268a"}}},
      {"test", test_report()},
      {"real_data",
       {{"argmax",
         {{"benign",
           {{"rows", 2287}, {"flagged", 9}, {"exact", 0}, {"flagged_rate", 0.0039}, {"exact_rate", 0}}},
          {"attacks",
           {{"rows", 72},
            {"flagged", 62},
            {"exact", 62},
            {"flagged_rate", 0.861},
            {"exact_rate", 0.861}}}}}}},
      {"train_seconds", 512.5},
      {"epochs_completed", 2}};
  in.preprocessing.lowercase = true;
  in.preprocessing.max_length = 128;
  in.preprocessing.labels = {"Benign", "T1003.002"};
  in.preprocessing.temperature = 1.25;
  OperatingPoint op;
  op.benign_label = "Benign";
  op.benign_id = 0;
  op.threshold = 0.874;
  op.max_benign_fpr = 0.01;
  in.preprocessing.operating_point = op;
  in.settings = {{"model_type", "transformer"},
                 {"method", "lora"},
                 {"peft", "r 8, lora_alpha 16"},
                 {"training", "2 epochs"},
                 {"data", "gen-data preset binary (seed 1)"}};
  in.dir_kind = "merged";
  return in;
}

TEST(ModelCard, HasHuggingFaceFrontMatterLabelsAndTheRunsResults) {
  const std::string card = model_card(input("embedded (fallback for roberta-base)"));
  EXPECT_EQ(card.rfind("---\nlibrary_name: transformers\n", 0), 0u) << card.substr(0, 120);
  EXPECT_NE(card.find("pipeline_tag: text-classification\n"), std::string::npos);
  EXPECT_NE(card.find("  - lora\n"), std::string::npos);
  EXPECT_EQ(card.find("base_model:"), std::string::npos);  // the embedded backbone is no Hub model
  EXPECT_NE(card.find("| 1 | T1003.002 | OS Credential Dumping: Security Account Manager |"),
            std::string::npos);
  EXPECT_NE(card.find("| **Benign** | 1923 | 2 |"), std::string::npos) << card;
  EXPECT_NE(card.find("embedded backbone"), std::string::npos);
  EXPECT_NE(card.find("1 − p(Benign) ≥ 0.874000"), std::string::npos);
  EXPECT_NE(card.find("benign false alarms 9 of 2287"), std::string::npos);
  EXPECT_NE(card.find(".lower()"), std::string::npos);
  EXPECT_NE(card.find("max_length=128"), std::string::npos);
  EXPECT_NE(card.find("/ 1.2500"), std::string::npos);
}

TEST(ModelCard, NamesAHubBaseModelOnlyWhenThatWasUsed) {
  EXPECT_NE(model_card(input("directory")).find("base_model: FacebookAI/roberta-base\n"), std::string::npos);
  auto adapter = input("directory");
  adapter.dir_kind = "adapter";
  EXPECT_NE(model_card(adapter).find("library_name: peft\n"), std::string::npos);
}

TEST(AttackNames, KnownTechniquesParentsAndGroups) {
  EXPECT_EQ(attack_name("T1562"), "Impair Defenses");
  EXPECT_EQ(attack_name("T1562.009"), "Impair Defenses (sub-technique .009)");
  EXPECT_EQ(attack_name("Z999"), "rare techniques grouped together (data.group_rare)");
  EXPECT_EQ(attack_name("X1"), "");
}

}  // namespace
