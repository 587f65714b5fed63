#include "models/bert.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "golden_compare.h"
#include "models/autocast.h"
#include "models/model_factory.h"
#include "test_paths.h"

namespace attune::models {
namespace {

using attune::testing::shared_dir;

// bf16 autocast logits vs HF's fp32 logits (O(1) values); bf16 keeps ~3 significant digits per matmul.
constexpr double kBf16LogitsAtol = 5e-2;

// Registered parameters carry exactly Hugging Face's state_dict names (those of the golden checkpoint).
TEST(Bert, ParameterNamesAreHuggingFaceStateDictNames) {
  ATTUNE_REQUIRE_SHARED("golden/bert");
  auto model = create_model(load_hf_config(shared_dir() / "golden/bert/config.json"));
  auto file = SafetensorsFile::open(shared_dir() / "golden/bert/model.safetensors");
  std::vector<std::string> ours;
  for (const auto& item : model->named_parameters()) ours.push_back(item.key());
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, file->names());
  EXPECT_EQ(model->head_module_names(), std::vector<std::string>{"classifier"});
}

// Logits, hidden states, attentions, pooled output, loss and every gradient match HF (fp32), with
// token_type_ids passed (rows 0 and 1 are sentence pairs).
TEST(Bert, MatchesHuggingFaceGolden) {
  ATTUNE_REQUIRE_SHARED("golden/bert");
  auto g = attune::testing::load_golden(shared_dir() / "golden/bert/golden.safetensors");
  ASSERT_GT(g.at("token_type_ids").sum().item<int64_t>(), 0);
  auto model = load_model(shared_dir() / "golden/bert");
  attune::testing::check_golden_base_model(*model, g, /*pass_token_type_ids=*/true, "bert fp32");
}

// Without token_type_ids the logits differ (the golden pairs use segment 1), so they are really used.
TEST(Bert, TokenTypeIdsChangeTheOutput) {
  ATTUNE_REQUIRE_SHARED("golden/bert");
  auto g = attune::testing::load_golden(shared_dir() / "golden/bert/golden.safetensors");
  auto model = load_model(shared_dir() / "golden/bert");
  model->eval();
  torch::NoGradGuard no_grad;
  auto without = model->forward(g.at("input_ids"), g.at("attention_mask")).logits;
  EXPECT_GT(attune::testing::max_abs_err(without, g.at("logits")), 1e-4);
}

// Under CPU bf16 autocast the logits stay within kBf16LogitsAtol of HF's fp32 logits.
TEST(Bert, Bf16AutocastLogitsCloseToFp32) {
  ATTUNE_REQUIRE_SHARED("golden/bert");
  auto g = attune::testing::load_golden(shared_dir() / "golden/bert/golden.safetensors");
  auto model = load_model(shared_dir() / "golden/bert");
  model->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor logits;
  {
    CpuAutocast autocast;
    logits = model->forward(g.at("input_ids"), g.at("attention_mask"), g.at("token_type_ids")).logits;
  }
  const double err = attune::testing::max_abs_err(logits, g.at("logits"));
  std::printf("[bert bf16 autocast] logits max |bf16 - HF fp32| = %.3g (tolerance %.3g)\n", err,
              kBf16LogitsAtol);
  EXPECT_LE(err, kBf16LogitsAtol);
  EXPECT_GT(err, 0.0) << "autocast had no effect: bf16 should differ from fp32";
}

// Token type ids outside type_vocab_size are an InputError, not a crash.
TEST(Bert, RejectsBadTokenTypes) {
  HFConfig c = default_hf_config("bert");
  c.vocab_size = 20;
  c.hidden_size = 8;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  c.intermediate_size = 16;
  c.max_position_embeddings = 8;
  auto model = create_model(c);
  auto ids = torch::full({2, 8}, 3, torch::kLong);
  EXPECT_NO_THROW(model->forward(ids, {}, torch::ones_like(ids)));
  EXPECT_THROW(model->forward(ids, {}, torch::full_like(ids, 2)), InputError);
  EXPECT_THROW(model->forward(torch::full({2, 9}, 3, torch::kLong), {}), InputError);
}

}  // namespace
}  // namespace attune::models
