#include "peft/merge.h"

#include <gtest/gtest.h>

#include "models/autocast.h"
#include "peft/lora.h"
#include "tiny_model.h"

namespace attune::peft {
namespace {

torch::Tensor ids() {
  return torch::tensor({{1, 5, 7, 2}, {1, 9, 3, 2}}, torch::kLong);
}

// A model with LoRA r=4, alpha=8 on the defaults and non-zero B (a trained adapter).
std::shared_ptr<testing::TinyClassifier> adapted_model(LoraInfo* info = nullptr) {
  torch::manual_seed(7);
  auto model = std::make_shared<testing::TinyClassifier>();
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  auto i = apply_lora(*model, c);
  torch::NoGradGuard no_grad;
  for (auto& [path, linear] : lora_linears(*model)) lora_of(*linear)->lora_B->weight.normal_(0, 0.1);
  model->eval();
  if (info) *info = i;
  return model;
}

TEST(Merge, MergedWeightIsWPlusScaledBA) {
  auto model = adapted_model();
  auto& q = *model->roberta->encoder->layer[0]->as<testing::TinyLayerImpl>()->attention->self->query;
  const auto w = q.weight.detach().clone();
  const auto lora = lora_of(q);
  const auto expected = w + 2.0 * torch::matmul(lora->lora_B->weight, lora->lora_A->weight);
  EXPECT_EQ(merge_lora(*model), 12);
  EXPECT_TRUE(torch::allclose(q.weight, expected, 1e-6, 1e-7));
  EXPECT_EQ(merge_lora(*model), 0);  // already merged: no double add
  EXPECT_EQ(unmerge_lora(*model), 12);
  EXPECT_TRUE(torch::allclose(q.weight, w, 0, 1e-6));
}

TEST(Merge, MergedAndUnmergedLogitsAgree) {
  auto model = adapted_model();
  const auto logits = model->forward(ids(), {}).logits;
  set_lora_enabled(*model, false);
  const auto base_logits = model->forward(ids(), {}).logits;
  set_lora_enabled(*model, true);
  ASSERT_FALSE(torch::allclose(logits, base_logits, 1e-4, 1e-4)) << "the adapter should change the output";
  merge_lora(*model);
  EXPECT_TRUE(torch::allclose(model->forward(ids(), {}).logits, logits, 1e-5, 1e-5));
  unmerge_lora(*model);
  EXPECT_TRUE(torch::allclose(model->forward(ids(), {}).logits, logits, 1e-5, 1e-5));
}

TEST(Merge, MergeAndUnloadLeavesThePlainModel) {
  auto model = adapted_model();
  const auto logits = model->forward(ids(), {}).logits;
  EXPECT_EQ(merge_and_unload(*model), 12);
  EXPECT_TRUE(lora_linears(*model).empty());
  testing::TinyClassifier plain;
  EXPECT_EQ(model->named_parameters().keys(), plain.named_parameters().keys());
  EXPECT_TRUE(torch::allclose(model->forward(ids(), {}).logits, logits, 1e-5, 1e-5));
}

// bf16 weights: the delta is formed in fp32 and the sum rounded once.
TEST(Merge, Bf16WeightsRoundOnce) {
  auto model = adapted_model();
  auto& v = *model->roberta->encoder->layer[1]->as<testing::TinyLayerImpl>()->attention->self->value;
  {
    torch::NoGradGuard no_grad;
    v.weight.set_data(v.weight.to(torch::kBFloat16));
  }
  const auto lora = lora_of(v);
  const auto expected =
      (v.weight.to(torch::kFloat32) + 2.0 * torch::matmul(lora->lora_B->weight, lora->lora_A->weight))
          .to(torch::kBFloat16);
  merge_lora(*model);
  EXPECT_EQ(v.weight.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(v.weight, expected));
}

// The logits of `model` on ids() under bf16 autocast, without autograd (as evaluate/predict run it).
torch::Tensor bf16_inference(models::SequenceClassifier& model) {
  torch::NoGradGuard no_grad;
  models::CpuAutocast autocast;
  return model.forward(ids(), {}).logits;
}

// Where no gradient is taken under bf16 autocast, an adapted Linear runs its adapter folded into the bf16
// weight: exactly what the merged export computes (a second model, merged and unloaded, not a merge/unmerge
// round trip, which itself moves W by an fp32 rounding).
TEST(Merge, Bf16InferenceIsTheMergedModelBitForBit) {
  auto model = adapted_model();
  auto merged = adapted_model();  // the same seed: the same weights
  merge_and_unload(*merged);
  const auto folded = bf16_inference(*model);
  EXPECT_TRUE(torch::equal(folded, bf16_inference(*merged)));
  // With autograd on the adapter runs beside the weight, as PEFT does: close, not the same rounding.
  torch::Tensor unfolded;
  {
    models::CpuAutocast autocast;
    unfolded = model->forward(ids(), {}).logits;
  }
  EXPECT_FALSE(torch::equal(folded, unfolded)) << "the no-grad path should be the folded one";
  EXPECT_TRUE(torch::allclose(folded.to(torch::kFloat), unfolded.to(torch::kFloat), 0.05, 0.05));
}

// The folded weight follows the adapter: an update of B in place (an optimizer step) or a disabled
// adapter is seen at the next forward, not a stale copy.
TEST(Merge, FoldedWeightFollowsAdapterUpdates) {
  auto model = adapted_model();
  const auto before = bf16_inference(*model);
  auto update = [](torch::nn::Module& m) {
    torch::NoGradGuard no_grad;
    for (auto& [path, linear] : lora_linears(m)) lora_of(*linear)->lora_B->weight.mul_(-1.5);
  };
  update(*model);
  auto merged = adapted_model();
  update(*merged);
  merge_and_unload(*merged);
  const auto after = bf16_inference(*model);
  EXPECT_FALSE(torch::equal(after, before));
  EXPECT_TRUE(torch::equal(after, bf16_inference(*merged)));

  // Replaced rather than updated (a loaded adapter): new storage, version counter kept by set_data.
  {
    torch::NoGradGuard no_grad;
    for (auto& [path, linear] : lora_linears(*model)) {
      auto& b = lora_of(*linear)->lora_B->weight;
      b.set_data(b.detach().clone().mul_(2.0));
    }
  }
  EXPECT_FALSE(torch::equal(bf16_inference(*model), after)) << "a replaced B must rebuild the folded copy";

  set_lora_enabled(*model, false);
  torch::manual_seed(7);  // adapted_model's seed: the same base weights, no adapter
  testing::TinyClassifier plain;
  plain.eval();
  EXPECT_TRUE(torch::equal(bf16_inference(*model), bf16_inference(plain)));
}

// Live dropout (train mode) keeps the adapter unfolded even without autograd.
TEST(Merge, LiveDropoutIsNotFolded) {
  torch::manual_seed(7);
  testing::TinyClassifier model;
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  c.lora_dropout = 0.5;
  apply_lora(model, c);
  {
    torch::NoGradGuard no_grad;
    for (auto& [path, linear] : lora_linears(model)) lora_of(*linear)->lora_B->weight.normal_(0, 0.1);
  }
  auto lora = lora_of(*lora_linears(model).front().second);
  model.train();
  EXPECT_FALSE(lora->foldable());
  EXPECT_FALSE(torch::equal(bf16_inference(model), bf16_inference(model))) << "dropout should be drawn anew";
  model.eval();
  EXPECT_TRUE(lora->foldable());
  EXPECT_TRUE(torch::equal(bf16_inference(model), bf16_inference(model)));
}

}  // namespace
}  // namespace attune::peft
