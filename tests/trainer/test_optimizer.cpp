#include "trainer/optimizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::trainer {
namespace {

// Names as encoders register them: a Linear, a LayerNorm named "LayerNorm", a LayerNorm under a name
// that says nothing ("ln", caught by its type), a frozen tensor and a bare weight parameter.
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    frozen = register_parameter("frozen", torch::ones({2}), /*requires_grad=*/false);
    rel_embeddings = register_parameter("rel_embeddings", torch::ones({4, 3}));
    dense = register_module("dense", torch::nn::Linear(3, 3));
    LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({3})));
    ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({3})));
  }
  torch::Tensor frozen, rel_embeddings;
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::LayerNorm ln{nullptr};
};
TORCH_MODULE(Tiny);

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Optimizer, NoDecayNamesFollowTheTrainer) {
  EXPECT_TRUE(is_no_decay_name("roberta.encoder.layer.0.attention.output.dense.bias"));
  EXPECT_TRUE(is_no_decay_name("roberta.encoder.layer.0.attention.output.LayerNorm.weight"));
  EXPECT_TRUE(is_no_decay_name("roberta.embeddings.LayerNorm.bias"));
  EXPECT_TRUE(is_no_decay_name("encoder.final_layer_norm.weight"));
  EXPECT_TRUE(is_no_decay_name("model.norm.weight"));
  EXPECT_TRUE(is_no_decay_name("norm"));
  EXPECT_TRUE(is_no_decay_name("block.post_norm.weight"));
  EXPECT_TRUE(is_no_decay_name("model.RMSNorm.weight"));
  EXPECT_FALSE(is_no_decay_name("roberta.encoder.layer.0.attention.self.query.weight"));
  EXPECT_FALSE(is_no_decay_name("deberta.encoder.rel_embeddings.weight"));
  EXPECT_FALSE(is_no_decay_name("classifier.out_proj.weight"));
  EXPECT_FALSE(is_no_decay_name("x.normalizer.weight"));
  EXPECT_FALSE(is_no_decay_name("base_model.model.query.lora_A.weight"));
}

TEST(Optimizer, SplitsTrainableParametersIntoDecayGroups) {
  Tiny tiny;
  const auto groups = split_decay_groups(*tiny);
  EXPECT_EQ(sorted(groups.decay_names), sorted({"rel_embeddings", "dense.weight"}));
  EXPECT_EQ(sorted(groups.no_decay_names),
            sorted({"dense.bias", "LayerNorm.weight", "LayerNorm.bias", "ln.weight", "ln.bias"}));
  EXPECT_EQ(groups.decay.size(), 2u);
  EXPECT_EQ(groups.no_decay.size(), 5u);
  EXPECT_EQ(groups.all().size(), 7u);
  EXPECT_TRUE(groups.decay[0].is_same(tiny->rel_embeddings) || groups.decay[1].is_same(tiny->rel_embeddings));

  auto adamw = make_adamw(groups, {/*learning_rate=*/1e-3, /*weight_decay=*/0.01});
  ASSERT_EQ(adamw->param_groups().size(), 2u);
  const auto& decay_options =
      static_cast<const torch::optim::AdamWOptions&>(adamw->param_groups()[0].options());
  const auto& plain_options =
      static_cast<const torch::optim::AdamWOptions&>(adamw->param_groups()[1].options());
  EXPECT_EQ(decay_options.weight_decay(), 0.01);
  EXPECT_EQ(plain_options.weight_decay(), 0.0);
  EXPECT_EQ(decay_options.betas(), std::make_tuple(0.9, 0.999));
  EXPECT_EQ(decay_options.eps(), 1e-8);

  set_learning_rate(*adamw, /*base_lr=*/2e-4, /*multiplier=*/0.5);
  EXPECT_DOUBLE_EQ(adamw->param_groups()[0].options().get_lr(), 1e-4);
  EXPECT_DOUBLE_EQ(adamw->param_groups()[1].options().get_lr(), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(*adamw), 1e-4);

  EXPECT_THROW(make_adamw(DecayGroups{}, {}), InputError);
  EXPECT_THROW(make_adamw(groups, {/*learning_rate=*/1e-3, /*weight_decay=*/-1.0}), InputError);
}

// Two AdamW steps against the algorithm in torch.optim.AdamW's documentation, written out by hand:
//   p *= 1 - lr * wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
TEST(Optimizer, AdamWStepsMatchTheFormula) {
  const double lr = 0.1, wd = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  auto w = torch::tensor({1.0, -2.0}, torch::kDouble).requires_grad_();
  auto b = torch::tensor({0.5}, torch::kDouble).requires_grad_();
  DecayGroups groups;
  groups.decay = {w};
  groups.decay_names = {"w"};
  groups.no_decay = {b};
  groups.no_decay_names = {"b.bias"};
  auto adamw = make_adamw(groups, {lr, wd, b1, b2, eps});

  const std::vector<std::vector<double>> w_grads = {{0.1, -0.3}, {-0.2, 0.05}};
  const std::vector<double> b_grads = {0.2, 0.4};
  std::vector<double> ew = {1.0, -2.0}, mw = {0, 0}, vw = {0, 0};
  double eb = 0.5, mb = 0, vb = 0;
  auto reference = [&](double& p, double& m, double& v, double g, double decay, int t) {
    p *= 1 - lr * decay;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= lr / (1 - std::pow(b1, t)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(b2, t)) + eps);
  };
  for (int t = 1; t <= 2; ++t) {
    w.mutable_grad() = torch::tensor(w_grads[t - 1], torch::kDouble);
    b.mutable_grad() = torch::tensor({b_grads[t - 1]}, torch::kDouble);
    adamw->step();
    for (int i = 0; i < 2; ++i) reference(ew[i], mw[i], vw[i], w_grads[t - 1][i], wd, t);
    reference(eb, mb, vb, b_grads[t - 1], /*decay=*/0.0, t);
  }
  EXPECT_NEAR(w[0].item<double>(), ew[0], 1e-12);
  EXPECT_NEAR(w[1].item<double>(), ew[1], 1e-12);
  EXPECT_NEAR(b[0].item<double>(), eb, 1e-12);
}

TEST(Optimizer, ClipsByGlobalNormAndReturnsIt) {
  auto a = torch::zeros({1}, torch::kDouble).requires_grad_();
  auto c = torch::zeros({1}, torch::kDouble).requires_grad_();
  auto no_grad = torch::zeros({1}, torch::kDouble).requires_grad_();
  a.mutable_grad() = torch::tensor({3.0}, torch::kDouble);
  c.mutable_grad() = torch::tensor({4.0}, torch::kDouble);
  EXPECT_NEAR(clip_gradients({a, c, no_grad}, /*max_norm=*/0.0), 5.0, 1e-12);  // 0: measure only
  EXPECT_NEAR(a.grad().item<double>(), 3.0, 1e-12);
  EXPECT_NEAR(clip_gradients({a, c, no_grad}, /*max_norm=*/1.0), 5.0, 1e-12);
  EXPECT_NEAR(a.grad().item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(c.grad().item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(clip_gradients({a, c}, /*max_norm=*/10.0), 1.0, 1e-6);  // under the limit: untouched
  EXPECT_NEAR(c.grad().item<double>(), 0.8, 1e-6);
}

TEST(Optimizer, StateSavesAndLoadsForResume) {
  const auto dir = testing::temp_dir("optimizer");
  auto make = [](torch::Tensor w) {
    DecayGroups g;
    g.decay = {w};
    g.decay_names = {"w"};
    return make_adamw(g, {/*learning_rate=*/0.05, /*weight_decay=*/0.1});
  };
  auto w1 = torch::tensor({1.0, 2.0}, torch::kDouble).requires_grad_();
  auto opt1 = make(w1);
  w1.mutable_grad() = torch::tensor({0.5, -0.5}, torch::kDouble);
  opt1->step();
  save_optimizer(*opt1, dir / "optimizer.pt");

  auto w2 = w1.detach().clone().requires_grad_();
  auto opt2 = make(w2);
  load_optimizer(*opt2, dir / "optimizer.pt");
  // The same next step on both: equal only if the moments and step count came back.
  w1.mutable_grad() = torch::tensor({0.1, 0.3}, torch::kDouble);
  w2.mutable_grad() = torch::tensor({0.1, 0.3}, torch::kDouble);
  opt1->step();
  opt2->step();
  EXPECT_TRUE(torch::equal(w1, w2));

  EXPECT_THROW(load_optimizer(*opt2, dir / "missing.pt"), InputError);
  std::ofstream(dir / "garbage.pt") << "not an archive";
  EXPECT_THROW(load_optimizer(*opt2, dir / "garbage.pt"), InputError);
}

}  // namespace
}  // namespace attune::trainer
