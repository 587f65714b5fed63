// The fast paths against the reference path (models/fast_paths.h), on whole encoders: a training step
// (forward and backward) computes the same bits either way, and inference stays within bf16 rounding of
// the reference while the fast kernels demonstrably run.
#include "models/fast_paths.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/autocast.h"
#include "models/hf_config.h"
#include "models/linear.h"
#include "models/model_factory.h"
#include "models/packed_linear.h"

namespace attune::models {
namespace {

// bf16 autocast logits against another rounding of the same model (the tighter of the encoders' bf16
// logit tolerances, tests/models/test_deberta_v2.cpp; bf16 keeps ~3 significant digits per product).
constexpr double kBf16LogitsAtol = 3e-2;

TEST(FastPaths, ReferenceIsAllOffAndScopesRestore) {
  const FastPaths on, off = FastPaths::reference();
  EXPECT_TRUE(on.bf16_weight_cache && on.fused_linears && on.packed_linears && on.fast_dropout);
  EXPECT_FALSE(off.bf16_weight_cache || off.fused_linears || off.packed_linears || off.fast_dropout);
  ASSERT_TRUE(fast_paths().packed_linears && fast_paths().fused_linears) << "the default";
  {
    ScopedFastPaths reference(FastPaths::reference());
    EXPECT_FALSE(fast_paths().bf16_weight_cache || fast_paths().fast_dropout);
    EXPECT_FALSE(packed_linears_in_use());
    {
      ScopedFastPaths fused(&FastPaths::fused_linears, true);
      EXPECT_TRUE(fast_paths().fused_linears);
      EXPECT_FALSE(fast_paths().packed_linears) << "one path switched, the others kept";
    }
    EXPECT_FALSE(fast_paths().fused_linears);
  }
  EXPECT_TRUE(fast_paths().bf16_weight_cache && fast_paths().fused_linears && fast_paths().packed_linears &&
              fast_paths().fast_dropout);
  EXPECT_EQ(packed_linears_in_use(), packed_linears_native());
}

// A low-rank adapter as LoRA is one (delta = s B A x, foldable: no dropout), so folding runs too; its
// A and B train.
struct LowRank : LinearAdapter {
  LowRank(int64_t in, int64_t out, int64_t r)
      : a((torch::randn({r, in}) * 0.2).requires_grad_(true)),
        b((torch::randn({out, r}) * 0.2).requires_grad_(true)) {}
  bool active() const override { return on; }
  torch::Tensor delta(const torch::Tensor& x) override { return torch::linear(torch::linear(x, a), b) * 2.0; }
  bool foldable() const override { return true; }
  torch::Tensor weight_delta() const override {
    return torch::matmul(b.to(torch::kFloat), a.to(torch::kFloat)) * 2.0;
  }
  std::vector<torch::Tensor> fold_inputs() const override { return {a, b}; }

  torch::Tensor a, b;
  bool on = true;
};

// Two layers, 64 wide, dropout 0.1 everywhere; DeBERTa-v2 with relative attention.
HFConfig tiny_config(const std::string& model_type) {
  nlohmann::json j = {{"model_type", model_type},
                      {"vocab_size", 128},
                      {"hidden_size", 64},
                      {"num_hidden_layers", 2},
                      {"num_attention_heads", 4},
                      {"intermediate_size", 128},
                      {"max_position_embeddings", 64},
                      {"hidden_dropout_prob", 0.1},
                      {"attention_probs_dropout_prob", 0.1},
                      {"id2label", {{"0", "a"}, {"1", "b"}, {"2", "c"}}}};
  if (model_type == "deberta-v2")
    j.update({{"relative_attention", true},
              {"position_buckets", 8},
              {"pos_att_type", {"p2c", "c2p"}},
              {"norm_rel_ebd", "layer_norm"},
              {"share_att_key", true},
              {"position_biased_input", false},
              {"type_vocab_size", 0}});
  return parse_hf_config(j, "test config.json");
}

// The model set up as BitFit + LoRA train it: every weight frozen (so the bf16 weight cache serves
// training too), biases and the head trained, a LowRank adapter on each query and value Linear.
struct TinyModel {
  explicit TinyModel(const std::string& model_type) : model(create_model(tiny_config(model_type), 7)) {
    torch::manual_seed(8);
    for (const auto& p : model->named_parameters())
      p.value().set_requires_grad(p.key().find("bias") != std::string::npos ||
                                  p.key().find("classifier") != std::string::npos);
    for (const auto& m : model->named_modules()) {
      auto linear = std::dynamic_pointer_cast<LinearImpl>(m.value());
      const auto& name = m.key();
      const auto leaf = name.substr(name.rfind('.') + 1);
      if (!linear || (leaf != "query" && leaf != "value" && leaf != "query_proj" && leaf != "value_proj"))
        continue;
      auto adapter = std::make_shared<LowRank>(linear->in_features, linear->out_features, 4);
      linear->adapter = adapter;
      adapters.push_back(adapter);
    }
  }

  // Every trained tensor: the parameters that require grad and the adapters' A and B.
  std::map<std::string, torch::Tensor> trained() const {
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters())
      if (p.value().requires_grad()) out[p.key()] = p.value();
    for (size_t i = 0; i < adapters.size(); ++i) {
      out["adapter." + std::to_string(i) + ".a"] = adapters[i]->a;
      out["adapter." + std::to_string(i) + ".b"] = adapters[i]->b;
    }
    return out;
  }

  std::shared_ptr<SequenceClassifier> model;
  std::vector<std::shared_ptr<LowRank>> adapters;
};

struct Step {
  torch::Tensor logits;
  std::map<std::string, torch::Tensor> grads;
};

// One training step under bf16 autocast, dropout live, torch's generator seeded first: the logits and
// every trained tensor's gradient.
Step train_step(TinyModel& m, const torch::Tensor& ids, const torch::Tensor& labels) {
  m.model->train();
  for (auto& [name, t] : m.trained())
    if (t.grad().defined()) t.mutable_grad().zero_();
  torch::manual_seed(9);
  Step out;
  {
    CpuAutocast autocast;
    out.logits = m.model->forward(ids, torch::ones_like(ids)).logits;
  }
  torch::nn::functional::cross_entropy(out.logits.to(torch::kFloat), labels).backward();
  out.logits = out.logits.detach().clone();
  for (const auto& [name, t] : m.trained()) {
    EXPECT_TRUE(t.grad().defined()) << name;
    if (t.grad().defined()) out.grads[name] = t.grad().clone();
  }
  return out;
}

EncoderOutput infer(TinyModel& m, const torch::Tensor& ids) {
  m.model->eval();
  torch::NoGradGuard no_grad;
  CpuAutocast autocast;
  return m.model->forward(ids, torch::ones_like(ids));
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

class FastPathsEncoder : public ::testing::TestWithParam<std::string> {};

// Training: the cached bf16 weights are autocast's casts, and fused and packed products do not run under
// autograd, so a step with every fast path on computes the reference's logits and gradients bit for bit
// (dropout drawn by torch in both runs: the fast mask is another random stream, Dropout.* test it).
TEST_P(FastPathsEncoder, TrainingStepIsTheReferenceBitForBit) {
  TinyModel m(GetParam());
  const auto ids = torch::randint(3, 128, {4, 13}, torch::kLong);
  const auto labels = torch::tensor({0, 1, 2, 1}, torch::kLong);
  const auto reference = [&] {
    ScopedFastPaths paths(FastPaths::reference());
    return train_step(m, ids, labels);
  }();
  const auto fast = [&] {
    ScopedFastPaths paths(&FastPaths::fast_dropout, false);
    return train_step(m, ids, labels);
  }();
  EXPECT_EQ(reference.logits.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(fast.logits, reference.logits))
      << "max diff " << (fast.logits - reference.logits).abs().max().item<float>();
  ASSERT_EQ(fast.grads.size(), reference.grads.size());
  EXPECT_GT(reference.grads.size(), 10u);
  for (const auto& [name, grad] : reference.grads) {
    ASSERT_TRUE(fast.grads.count(name)) << name;
    EXPECT_TRUE(torch::equal(fast.grads.at(name), grad))
        << name << ": max diff " << (fast.grads.at(name) - grad).abs().max().item<float>();
    // (The key bias's gradient is zero in exact arithmetic: softmax ignores a shift shared by all keys.)
    if (name.find("key.bias") == std::string::npos) {
      EXPECT_GT(grad.abs().max().item<float>(), 0.f) << name << ": no gradient reached it";
    }
  }
}

// Inference: the fast paths (adapters folded, Q/K/V fused, products packed where this CPU has bf16
// instructions) stay within bf16 rounding of the reference, and they ran; the reference ran none.
TEST_P(FastPathsEncoder, InferenceIsTheReferenceWithinBf16Rounding) {
  TinyModel m(GetParam());
  const auto ids = torch::randint(3, 128, {3, 11}, torch::kLong);
  const auto fused_before = fused_linears_count();
  const auto packed_before = packed_products_count();
  const auto reference = [&] {
    ScopedFastPaths paths(FastPaths::reference());
    return infer(m, ids);
  }();
  EXPECT_EQ(fused_linears_count(), fused_before) << "reference: three Q/K/V products";
  EXPECT_EQ(packed_products_count(), packed_before) << "reference: torch's products";
  const auto fast = infer(m, ids);
  EXPECT_EQ(fused_linears_count() - fused_before, 2u) << "one fused Q/K/V product per layer";
  if (packed_linears_native()) {
    EXPECT_GT(packed_products_count(), packed_before) << "packed products ran";
  }
  // The last hidden state is LayerNorm's output, O(1) like the logits the tolerance was set for; a tiny
  // random model's logits are small.
  const double hidden = max_diff(fast.last_hidden_state, reference.last_hidden_state);
  const double logits = max_diff(fast.logits, reference.logits);
  std::printf("[%s] inference max |fast - reference|: last hidden state %.3g, logits %.3g (tolerance %.3g)\n",
              GetParam().c_str(), hidden, logits, kBf16LogitsAtol);
  EXPECT_LE(hidden, kBf16LogitsAtol);
  EXPECT_LE(logits, kBf16LogitsAtol);
  // What the fast run cached (bf16 copies, folded weights, packed stacks) does not leak into the reference.
  ScopedFastPaths paths(FastPaths::reference());
  const auto again = infer(m, ids);
  EXPECT_TRUE(torch::equal(again.last_hidden_state, reference.last_hidden_state))
      << "the reference path again, after the fast one";
  // The comparison can see a lost adapter: without them the hidden state moves well beyond the tolerance.
  for (auto& adapter : m.adapters) adapter->on = false;
  EXPECT_GT(max_diff(infer(m, ids).last_hidden_state, reference.last_hidden_state), 3 * kBf16LogitsAtol);
}

INSTANTIATE_TEST_SUITE_P(Encoders, FastPathsEncoder, ::testing::Values("bert", "roberta", "deberta-v2"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace attune::models
