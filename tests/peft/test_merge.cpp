#include "peft/merge.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace attune::peft
