// LoRA against PEFT itself: ../shared/golden/{roberta,deberta_v2}_lora were written by PEFT 0.20 on top of
// the golden base models (golden/README.md). Loading them must reproduce PEFT's logits, loss and every
// trainable gradient; merging must reproduce merge_and_unload()'s weights and logits; saving must give
// back PEFT's own files.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "models/loss.h"
#include "models/model_factory.h"
#include "models/safetensors.h"
#include "peft/adapter_io.h"
#include "peft/merge.h"
#include "peft/trainable.h"
#include "test_paths.h"

namespace attune::peft {
namespace {

namespace fs = std::filesystem;
using attune::testing::shared_dir;

// golden/README.md's tolerances: forward atol 1e-5 / rtol 1e-4; grads atol 1e-5 / rtol 1e-3; merged
// weights atol 1e-5.
constexpr double kForwardAtol = 1e-5, kForwardRtol = 1e-4;
constexpr double kGradAtol = 1e-5, kGradRtol = 1e-3;
constexpr double kWeightAtol = 1e-5;

std::map<std::string, torch::Tensor> read_all(const fs::path& file) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [name, t] : models::load_safetensors(file)) out[name] = t;
  return out;
}

void expect_close(const std::string& what, const torch::Tensor& ours, const torch::Tensor& ref, double atol,
                  double rtol, const torch::Tensor& where = {}) {
  ASSERT_EQ(ours.sizes(), ref.sizes()) << what;
  auto o = ours.detach().to(torch::kDouble), r = ref.to(torch::kDouble);
  auto excess = (o - r).abs() - (atol + rtol * r.abs());
  if (where.defined()) excess = torch::where(where.expand_as(excess), excess, torch::full_like(excess, -1.0));
  EXPECT_LE(excess.max().item<double>(), 0.0)
      << what << ": max |ours - PEFT| = " << (o - r).abs().max().item<double>();
}

struct Case {
  const char* base;
  const char* adapter;
  size_t lora_modules;  // adapted Linears PEFT created
};

class GoldenLora : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenLora, LogitsLossAndGradientsMatchPeft) {
  const Case c = GetParam();
  ATTUNE_REQUIRE_SHARED(std::string("golden/") + c.adapter);
  const auto g = read_all(shared_dir() / "golden" / c.adapter / "golden.safetensors");
  auto model = models::load_model(shared_dir() / "golden" / c.base);
  const LoraInfo info = load_adapter(shared_dir() / "golden" / c.adapter, *model, /*is_trainable=*/true);
  EXPECT_EQ(info.adapted_modules.size(), c.lora_modules);

  const auto& ids = g.at("input_ids");
  const auto& mask = g.at("attention_mask");
  model->eval();
  {
    torch::NoGradGuard no_grad;
    models::ForwardOptions options;
    options.output_hidden_states = true;
    const auto out = model->forward(ids, mask, {}, options);
    expect_close("logits", out.logits, g.at("logits"), kForwardAtol, kForwardRtol);
    const auto real = mask.to(torch::kBool).unsqueeze(-1);  // [B, T, 1]
    expect_close("last_hidden_state", out.last_hidden_state, g.at("last_hidden_state"), kForwardAtol,
                 kForwardRtol, real);
  }

  model->train();
  const auto out = model->forward(ids, mask);
  const auto loss = models::classification_loss(out.logits, g.at("labels"));
  expect_close("loss", loss, g.at("loss"), kForwardAtol, kForwardRtol);
  loss.backward();
  std::set<std::string> golden_grads;
  for (const auto& [name, t] : g)
    if (name.rfind("grad.", 0) == 0) golden_grads.insert(name);
  std::set<std::string> ours;
  for (const auto& [name, p] : trainable_parameters(*model)) {
    const std::string key = std::string("grad.") + kPeftKeyPrefix + name;
    ours.insert(key);
    ASSERT_TRUE(g.count(key)) << "PEFT has no gradient for our trainable parameter " << name;
    ASSERT_TRUE(p.grad().defined()) << name;
    expect_close(key, p.grad(), g.at(key), kGradAtol, kGradRtol);
  }
  EXPECT_EQ(ours, golden_grads);  // the same parameters train as under PEFT
}

// Written back, the adapter dir is PEFT's: same tensor keys and values, same adapter_config.json (its
// target_modules is a Python set, compared as a set).
TEST_P(GoldenLora, SavedAdapterEqualsPeftsFiles) {
  const Case c = GetParam();
  ATTUNE_REQUIRE_SHARED(std::string("golden/") + c.adapter);
  const fs::path golden_dir = shared_dir() / "golden" / c.adapter;
  auto model = models::load_model(shared_dir() / "golden" / c.base);
  const LoraInfo info = load_adapter(golden_dir, *model);
  const fs::path dir = attune::testing::temp_dir(std::string("resaved_") + c.adapter);
  save_adapter(dir, *model, info);

  const auto theirs = read_all(golden_dir / kAdapterWeightsFile);
  const auto ours = read_all(dir / kAdapterWeightsFile);
  std::set<std::string> their_keys, our_keys;
  for (const auto& [k, t] : theirs) their_keys.insert(k);
  for (const auto& [k, t] : ours) our_keys.insert(k);
  EXPECT_EQ(our_keys, their_keys);
  for (const auto& [k, t] : theirs)
    if (ours.count(k)) {
      EXPECT_TRUE(torch::equal(ours.at(k), t)) << k;
    }

  auto read_json = [](const fs::path& f) {
    std::ifstream in(f);
    return nlohmann::json::parse(in);
  };
  auto ours_json = read_json(dir / kAdapterConfigFile),
       their_json = read_json(golden_dir / kAdapterConfigFile);
  auto as_set = [](const nlohmann::json& l) { return std::set<std::string>(l.begin(), l.end()); };
  EXPECT_EQ(as_set(ours_json["target_modules"]), as_set(their_json["target_modules"]));
  ours_json.erase("target_modules");
  their_json.erase("target_modules");
  EXPECT_EQ(ours_json, their_json) << ours_json.dump(2);
}

// merge_and_unload: W + 2·B·A equals PEFT's merged/model.safetensors and gives its logits_merged.
TEST_P(GoldenLora, MergedWeightsAndLogitsMatchPeft) {
  const Case c = GetParam();
  ATTUNE_REQUIRE_SHARED(std::string("golden/") + c.adapter);
  const fs::path golden_dir = shared_dir() / "golden" / c.adapter;
  const auto g = read_all(golden_dir / "golden.safetensors");
  auto model = models::load_model(shared_dir() / "golden" / c.base);
  load_adapter(golden_dir, *model);
  EXPECT_EQ(merge_and_unload(*model), static_cast<int>(c.lora_modules));

  const auto merged = read_all(golden_dir / "merged/model.safetensors");
  const auto params = model->named_parameters();
  EXPECT_EQ(params.size(), merged.size());
  for (const auto& [name, t] : merged) {
    const auto* p = params.find(name);
    ASSERT_NE(p, nullptr) << "merged weight " << name << " is not a parameter of ours";
    expect_close("merged " + name, *p, t, kWeightAtol, /*rtol=*/0);
  }
  model->eval();
  torch::NoGradGuard no_grad;
  const auto logits = model->forward(g.at("input_ids"), g.at("attention_mask")).logits;
  expect_close("logits_merged", logits, g.at("logits_merged"), kForwardAtol, kForwardRtol);
}

// RoBERTa: 6 Linears × 2 layers (classifier.dense is inside modules_to_save: no LoRA). DeBERTa: 6 × 2 plus
// pooler.dense (not in that adapter's modules_to_save).
INSTANTIATE_TEST_SUITE_P(Peft, GoldenLora,
                         ::testing::Values(Case{"roberta", "roberta_lora", 12},
                                           Case{"deberta_v2", "deberta_v2_lora", 13}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.base);
                         });

}  // namespace
}  // namespace attune::peft
