#include "models/roberta.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "fused_qkv_check.h"
#include "golden_compare.h"
#include "models/autocast.h"
#include "models/model_factory.h"
#include "test_paths.h"

namespace attune::models {
namespace {

using attune::testing::shared_dir;

// bf16 autocast logits vs HF's fp32 logits (O(1) values); bf16 keeps ~3 significant digits per matmul.
constexpr double kBf16LogitsAtol = 5e-2;

// HF's create_position_ids_from_input_ids: pads get padding_idx, the first real token padding_idx + 1.
TEST(Roberta, PositionIdsFollowHuggingFace) {
  auto ids = torch::tensor({0, 5, 7, 2, 1, 1}, torch::kLong).view({1, 6});
  auto pos = roberta_position_ids(ids, /*padding_idx=*/1);
  EXPECT_TRUE(torch::equal(pos, torch::tensor({2, 3, 4, 5, 1, 1}, torch::kLong).view({1, 6})));
}

// Registered parameters carry exactly Hugging Face's state_dict names (those of the golden checkpoint).
TEST(Roberta, ParameterNamesAreHuggingFaceStateDictNames) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  auto model = create_model(load_hf_config(shared_dir() / "golden/roberta/config.json"));
  auto file = SafetensorsFile::open(shared_dir() / "golden/roberta/model.safetensors");
  std::vector<std::string> ours;
  for (const auto& item : model->named_parameters()) ours.push_back(item.key());
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, file->names());
  EXPECT_EQ(model->head_module_names(), std::vector<std::string>{"classifier"});
}

// Logits, hidden states, attentions, pooled output, loss and every gradient match HF (fp32).
TEST(Roberta, MatchesHuggingFaceGolden) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  auto g = attune::testing::load_golden(shared_dir() / "golden/roberta/golden.safetensors");
  auto model = load_model(shared_dir() / "golden/roberta");
  // RoBERTa gets no token_type_ids (HF's default zeros), as in the golden run.
  attune::testing::check_golden_base_model(*model, g, /*pass_token_type_ids=*/false, "roberta fp32");
}

// Under CPU bf16 autocast the logits stay within kBf16LogitsAtol of HF's fp32 logits.
TEST(Roberta, Bf16AutocastLogitsCloseToFp32) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  auto g = attune::testing::load_golden(shared_dir() / "golden/roberta/golden.safetensors");
  auto model = load_model(shared_dir() / "golden/roberta");
  model->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor logits;
  {
    CpuAutocast autocast;
    logits = model->forward(g.at("input_ids"), g.at("attention_mask")).logits;
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  const double err = attune::testing::max_abs_err(logits, g.at("logits"));
  std::printf("[roberta bf16 autocast] logits max |bf16 - HF fp32| = %.3g (tolerance %.3g)\n", err,
              kBf16LogitsAtol);
  EXPECT_LE(err, kBf16LogitsAtol);
  EXPECT_GT(err, 0.0) << "autocast had no effect: bf16 should differ from fp32";
}

// Inference under bf16 autocast runs Q/K/V as one product: the logits are those of three separate products,
// bit for bit, at roberta-base's width, for a one-request row and a batch.
TEST(Roberta, FusedQkvInferenceEqualsSeparateProducts) {
  HFConfig c = default_hf_config("roberta");
  c.num_hidden_layers = 2;
  torch::manual_seed(5);
  auto model = create_model(c);
  model->eval();
  for (const auto& shape : std::vector<std::vector<int64_t>>{{1, 20}, {16, 37}})
    attune::testing::expect_fused_qkv_equals_separate(*model, torch::randint(5, 1000, shape, torch::kLong),
                                                      /*layers=*/2);
}

// Inputs the embedding tables cannot take are an InputError, not a crash.
TEST(Roberta, RejectsBadInputs) {
  HFConfig c = default_hf_config("roberta");
  c.vocab_size = 20;
  c.hidden_size = 8;
  c.num_attention_heads = 2;
  c.num_hidden_layers = 1;
  c.intermediate_size = 16;
  c.max_position_embeddings = 10;  // positions 2..9: at most 8 tokens
  auto model = create_model(c);
  auto ok = torch::full({1, 8}, 5, torch::kLong);
  EXPECT_NO_THROW(model->forward(ok, torch::ones_like(ok)));
  EXPECT_THROW(model->forward(torch::full({1, 9}, 5, torch::kLong), {}), InputError);
  EXPECT_THROW(model->forward(torch::full({1, 4}, 20, torch::kLong), {}), InputError);
  EXPECT_THROW(model->forward(ok, torch::ones({1, 7}, torch::kLong)), InputError);
  EXPECT_THROW(model->forward(torch::full({8}, 5, torch::kLong), {}), InputError);
}

}  // namespace
}  // namespace attune::models
