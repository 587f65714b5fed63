#include "peft/lora.h"

#include <gtest/gtest.h>

#include <set>

#include "base/errors.h"
#include "models/autocast.h"
#include "peft/trainable.h"
#include "tiny_model.h"

namespace attune::peft {
namespace {

using testing::TinyClassifier;

LoraConfig config_r(int64_t r, double alpha) {
  LoraConfig c;
  c.r = r;
  c.lora_alpha = alpha;
  return c;
}

std::set<std::string> names_of(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  std::set<std::string> out;
  for (const auto& [name, t] : params) out.insert(name);
  return out;
}

torch::Tensor ids() {
  return torch::tensor({{1, 5, 7, 2}, {1, 9, 3, 2}}, torch::kLong);
}

// Defaults: query,key,value,dense everywhere except inside modules_to_save (classifier.dense stays plain,
// as PEFT >= 0.16 leaves it); classifier trained whole; PEFT's SEQ_CLS names appended to modules_to_save.
TEST(Lora, InjectsWithPeftNamesAndTrainsOnlyAdaptersAndHead) {
  torch::manual_seed(0);
  TinyClassifier model(/*hidden=*/8, /*intermediate=*/12, /*layers=*/2, /*labels=*/3);
  const LoraInfo info = apply_lora(model, config_r(/*r=*/4, /*alpha=*/8));
  EXPECT_EQ(info.adapted_modules.size(), 12u);  // 6 Linears × 2 layers
  EXPECT_EQ(info.saved_modules, std::vector<std::string>{"classifier"});
  EXPECT_EQ(*info.config.modules_to_save, (std::vector<std::string>{"classifier", "classifier", "score"}));
  EXPECT_EQ(info.config.target_modules.names, (std::vector<std::string>{"query", "key", "value", "dense"}));

  const auto params = model.named_parameters();
  const auto& a = params["roberta.encoder.layer.1.intermediate.dense.lora_A.weight"];
  const auto& b = params["roberta.encoder.layer.1.intermediate.dense.lora_B.weight"];
  EXPECT_EQ(a.sizes(), (torch::IntArrayRef{4, 8}));   // [r, in]
  EXPECT_EQ(b.sizes(), (torch::IntArrayRef{12, 4}));  // [out, r]
  EXPECT_EQ(b.abs().max().item<float>(), 0.0f);
  EXPECT_GT(a.abs().max().item<float>(), 0.0f);
  // kaiming_uniform(a=sqrt(5)) on [r, in]: U(-1/sqrt(in), 1/sqrt(in)).
  EXPECT_LE(a.abs().max().item<float>(), 1.0 / std::sqrt(8.0));
  EXPECT_EQ(params.find("classifier.dense.lora_A.weight"), nullptr);

  std::set<std::string> expected;
  for (const auto& path : info.adapted_modules) {
    expected.insert(path + ".lora_A.weight");
    expected.insert(path + ".lora_B.weight");
  }
  for (const char* p : {"classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                        "classifier.out_proj.bias"})
    expected.insert(p);
  EXPECT_EQ(names_of(trainable_parameters(model)), expected);
}

TEST(Lora, FreshAdapterLeavesOutputUnchanged) {
  torch::manual_seed(1);
  TinyClassifier model;
  model.eval();
  const auto before = model.forward(ids(), {}).logits;
  apply_lora(model, config_r(4, 8));
  EXPECT_TRUE(torch::equal(model.forward(ids(), {}).logits, before));
}

// The adapted Linear computes W x + b + (alpha/r)·B(A x), forward and backward, as plain torch math does.
TEST(Lora, ForwardAndGradientsMatchPlainTorchMath) {
  torch::manual_seed(2);
  TinyClassifier model;
  apply_lora(model, config_r(/*r=*/2, /*alpha=*/6));  // scaling 3
  auto& q = *model.roberta->encoder->layer[0]->as<testing::TinyLayerImpl>()->attention->self->query;
  auto lora = lora_of(q);
  ASSERT_TRUE(lora);
  {
    torch::NoGradGuard no_grad;
    lora->lora_B->weight.normal_();
  }
  auto x = torch::randn({3, 5, 8});
  auto y = q.forward(x);
  y.pow(2).sum().backward();

  auto A = lora->lora_A->weight.detach().clone().set_requires_grad(true);
  auto B = lora->lora_B->weight.detach().clone().set_requires_grad(true);
  auto ref = torch::nn::functional::linear(x, q.weight.detach(), q.bias.detach()) +
             3.0 * torch::matmul(torch::matmul(x, A.t()), B.t());
  ref.pow(2).sum().backward();
  EXPECT_TRUE(torch::allclose(y, ref, /*rtol=*/1e-5, /*atol=*/1e-5));
  EXPECT_TRUE(torch::allclose(lora->lora_A->weight.grad(), A.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(lora->lora_B->weight.grad(), B.grad(), 1e-4, 1e-5));
  EXPECT_FALSE(q.weight.grad().defined());  // base frozen

  set_lora_enabled(model, false);
  EXPECT_TRUE(torch::allclose(q.forward(x), torch::nn::functional::linear(x, q.weight, q.bias)));
}

// Under bf16 autocast the delta is PEFT's lora_B(lora_A(x)) * scaling bit for bit, values and gradients,
// where attune scales B's small input instead (a power-of-two scaling: alpha 8 / r 4); alpha 6 / r 4 takes
// PEFT's own order and is the control.
TEST(Lora, Bf16DeltaIsPeftsFormulaBitForBit) {
  for (const double alpha : {8.0, 6.0}) {
    torch::manual_seed(4);
    TinyClassifier model;
    apply_lora(model, config_r(/*r=*/4, alpha));
    auto& k = *model.roberta->encoder->layer[0]->as<testing::TinyLayerImpl>()->attention->self->key;
    auto lora = lora_of(k);
    {
      torch::NoGradGuard no_grad;
      lora->lora_B->weight.normal_();
    }
    const auto x = torch::randn({3, 5, 8});
    const auto g = torch::randn({3, 5, 8}).to(torch::kBFloat16);
    torch::Tensor delta, expected, a_grad, b_grad;
    {
      models::CpuAutocast autocast;
      delta = lora->delta(x);
      (delta * g).sum().backward();
      a_grad = lora->lora_A->weight.grad().clone();
      b_grad = lora->lora_B->weight.grad().clone();
      lora->lora_A->weight.mutable_grad().zero_();
      lora->lora_B->weight.mutable_grad().zero_();
      const auto h = x.to(torch::kBFloat16);
      expected = torch::linear(torch::linear(h, lora->lora_A->weight), lora->lora_B->weight) * lora->scaling;
      (expected * g).sum().backward();
    }
    SCOPED_TRACE("lora_alpha " + std::to_string(alpha));
    EXPECT_EQ(delta.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(delta, expected));
    EXPECT_TRUE(torch::equal(a_grad, lora->lora_A->weight.grad()));
    EXPECT_TRUE(torch::equal(b_grad, lora->lora_B->weight.grad()));
  }
}

// lora_dropout drops in train mode only (PEFT's nn.Dropout on the adapter input).
TEST(Lora, DropoutOnlyInTrainMode) {
  torch::manual_seed(3);
  TinyClassifier model;
  LoraConfig c = config_r(4, 8);
  c.lora_dropout = 0.5;
  apply_lora(model, c);
  auto& v = *model.roberta->encoder->layer[1]->as<testing::TinyLayerImpl>()->attention->self->value;
  auto lora = lora_of(v);
  {
    torch::NoGradGuard no_grad;
    lora->lora_B->weight.normal_();
  }
  auto x = torch::randn({4, 8});
  const auto expected_eval =
      2.0 * torch::matmul(torch::matmul(x, lora->lora_A->weight.t()), lora->lora_B->weight.t());
  model.train();
  const auto d1 = lora->delta(x), d2 = lora->delta(x);
  EXPECT_FALSE(torch::allclose(d1, d2));
  model.eval();
  EXPECT_TRUE(torch::allclose(lora->delta(x), expected_eval, 1e-5, 1e-6));
  EXPECT_TRUE(
      model.named_modules("", false).contains("roberta.encoder.layer.1.attention.self.value.lora_dropout"));
}

TEST(Lora, BiasOptions) {
  torch::manual_seed(4);
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.bias = "lora_only";
    apply_lora(model, c);
    const auto trainable = names_of(trainable_parameters(model));
    EXPECT_TRUE(trainable.count("roberta.encoder.layer.0.attention.self.query.bias"));
    EXPECT_FALSE(trainable.count("roberta.encoder.layer.0.output.LayerNorm.bias"));
    EXPECT_FALSE(trainable.count("roberta.encoder.layer.0.attention.self.query.weight"));
  }
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.bias = "all";
    apply_lora(model, c);
    const auto trainable = names_of(trainable_parameters(model));
    EXPECT_TRUE(trainable.count("roberta.encoder.layer.0.attention.self.query.bias"));
    EXPECT_TRUE(trainable.count("roberta.encoder.layer.0.output.LayerNorm.bias"));
    EXPECT_FALSE(trainable.count("roberta.encoder.layer.0.output.LayerNorm.weight"));
  }
}

TEST(Lora, TargetsExcludesAndLayerSelection) {
  torch::manual_seed(5);
  TinyClassifier model(8, 12, /*layers=*/3, 3);
  LoraConfig c = config_r(4, 8);
  c.target_modules =
      ModuleSelector::pattern(R"(roberta\.encoder\.layer\.\d+\.attention\.self\.(query|value))");
  c.exclude_modules = ModuleSelector::list({"layer.1.attention.self.value"});
  const auto info = apply_lora(model, c);
  EXPECT_EQ(info.adapted_modules, (std::vector<std::string>{"roberta.encoder.layer.0.attention.self.query",
                                                            "roberta.encoder.layer.0.attention.self.value",
                                                            "roberta.encoder.layer.1.attention.self.query",
                                                            "roberta.encoder.layer.2.attention.self.query",
                                                            "roberta.encoder.layer.2.attention.self.value"}));
  TinyClassifier other(8, 12, 3, 3);
  LoraConfig d = config_r(4, 8);
  d.target_modules = ModuleSelector::list({"value"});
  d.layers_to_transform = {2};
  EXPECT_EQ(apply_lora(other, d).adapted_modules,
            std::vector<std::string>{"roberta.encoder.layer.2.attention.self.value"});
}

// A head listed in modules_to_save is trained whole and gets no LoRA even when a target names its Linear.
TEST(Lora, ModulesToSaveOverridesTargets) {
  TinyClassifier model;
  LoraConfig c = config_r(4, 8);
  c.target_modules = ModuleSelector::list({"out_proj", "query"});
  const auto info = apply_lora(model, c);
  for (const auto& path : info.adapted_modules) EXPECT_EQ(path.find("classifier"), std::string::npos) << path;
  c.modules_to_save = std::vector<std::string>{};
  TinyClassifier bare;
  const auto info2 = apply_lora(bare, c);  // only PEFT's SEQ_CLS names remain: classifier is still saved
  EXPECT_EQ(info2.saved_modules, std::vector<std::string>{"classifier"});
}

TEST(Lora, ErrorsNameTheProblem) {
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.target_modules = ModuleSelector::list({"q_proj"});
    try {
      apply_lora(model, c);
      FAIL() << "a target matching nothing was accepted";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("q_proj"), std::string::npos) << msg;
      EXPECT_NE(msg.find("roberta.encoder.layer.0.attention.self.query"), std::string::npos) << msg;
    }
  }
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.target_modules = ModuleSelector::list({"LayerNorm"});
    EXPECT_THROW(apply_lora(model, c), InputError);  // not a Linear
  }
  {
    TinyClassifier model;
    apply_lora(model, config_r(4, 8));
    EXPECT_THROW(apply_lora(model, config_r(4, 8)), InputError);  // already adapted
  }
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.modules_to_save = std::vector<std::string>{"clasifier"};
    EXPECT_THROW(apply_lora(model, c), InputError);
  }
  {
    TinyClassifier model;
    LoraConfig c = config_r(4, 8);
    c.target_modules = ModuleSelector::list({"dense"});
    c.exclude_modules = ModuleSelector::list({"dense"});
    EXPECT_THROW(apply_lora(model, c), InputError);  // all excluded
  }
}

}  // namespace
}  // namespace attune::peft
