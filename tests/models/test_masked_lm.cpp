// MLM heads under Hugging Face's names (RobertaForMaskedLM, DebertaV2ForMaskedLM legacy, BertForMaskedLM),
// their computation, and saving/loading them as HF dirs.
#include "models/masked_lm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "golden_compare.h"
#include "models/activations.h"
#include "models/model_factory.h"
#include "models/safetensors.h"
#include "test_paths.h"

namespace attune::models {
namespace {

namespace fs = std::filesystem;
using attune::testing::shared_dir;
using attune::testing::temp_dir;

std::vector<std::string> names(torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& item : m.named_parameters()) out.push_back(item.key());
  std::sort(out.begin(), out.end());
  return out;
}

HFConfig tiny(const std::string& type) {
  auto c = default_hf_config(type);
  c.vocab_size = 50;
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 40;
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// RobertaForMaskedLM's state_dict: roberta.* and lm_head.{dense, layer_norm, bias}; the decoder is tied.
TEST(MaskedLM, RobertaHeadHasHuggingFaceNames) {
  auto mlm = create_masked_lm(tiny("roberta"), /*seed=*/1);
  const auto n = names(*mlm);
  for (const char* k :
       {"lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight", "lm_head.layer_norm.bias",
        "lm_head.bias", "roberta.embeddings.word_embeddings.weight"})
    EXPECT_TRUE(has(n, k)) << k;
  for (const auto& k : n)
    EXPECT_TRUE(k.rfind("roberta.", 0) == 0 || k.rfind("lm_head.", 0) == 0) << "unexpected " << k;
  EXPECT_EQ(mlm->architecture(), "RobertaForMaskedLM");
}

// DebertaV2ForMaskedLM (legacy) and BertForMaskedLM: cls.predictions.{transform.dense, transform.LayerNorm,
// bias}.
TEST(MaskedLM, DebertaAndBertHeadsHaveHuggingFaceNames) {
  for (const std::string type : {"deberta-v2", "bert"}) {
    auto mlm = create_masked_lm(tiny(type), /*seed=*/1);
    const auto n = names(*mlm);
    for (const char* k : {"cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
                          "cls.predictions.transform.LayerNorm.weight",
                          "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias"})
      EXPECT_TRUE(has(n, k)) << type << ": " << k;
    const std::string base = base_model_prefix(type) + ".";
    for (const auto& k : n)
      EXPECT_TRUE(k.rfind(base, 0) == 0 || k.rfind("cls.predictions.", 0) == 0)
          << type << ": unexpected " << k;
  }
}

// On the golden RoBERTa (whose encoder matches HF exactly), the head computes HF's RobertaLMHead:
// layer_norm(gelu(dense(h))) · Eᵀ + bias at the selected positions.
TEST(MaskedLM, HeadComputesRobertaLMHeadOnTheGoldenEncoder) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  auto g = attune::testing::load_golden(shared_dir() / "golden/roberta/golden.safetensors");
  std::vector<std::string> fresh;
  auto mlm = load_masked_lm(shared_dir() / "golden/roberta", &fresh, /*seed=*/3);
  EXPECT_EQ(fresh.size(), 5u);  // a classification checkpoint has no MLM head
  mlm->eval();
  torch::NoGradGuard no_grad;
  const auto positions = torch::tensor({0, 3, 17, 20, 40}, torch::kLong);  // rows 0, 1 and 2 of [3, 16]
  const auto logits = mlm->forward(g.at("input_ids"), g.at("attention_mask"), positions);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{5, mlm->encoder->config.vocab_size}));
  const auto hidden = mlm->encoder->forward(g.at("input_ids"), g.at("attention_mask")).last_hidden_state;
  const auto h = hidden.reshape({-1, hidden.size(-1)}).index_select(0, positions);
  auto& head = *mlm->head;
  auto x = torch::nn::functional::gelu(torch::addmm(head.dense->bias, h, head.dense->weight.t()));
  x = torch::nn::functional::layer_norm(x, torch::nn::functional::LayerNormFuncOptions({x.size(-1)})
                                               .weight(head.layer_norm->weight)
                                               .bias(head.layer_norm->bias)
                                               .eps(mlm->encoder->config.layer_norm_eps));
  const auto expected = x.matmul(mlm->word_embeddings.t()) + head.bias;
  EXPECT_LT(attune::testing::max_abs_err(logits, expected), 1e-5);
}

// save -> load keeps the head; the dir is a RobertaForMaskedLM dir without labels, and a sequence
// classifier loads it with only its classification head new (as transformers does).
TEST(MaskedLM, SavedDirRoundTripsAndLoadsAsAClassifierBackbone) {
  const auto dir = temp_dir("mlm-save");
  auto mlm = create_masked_lm(tiny("roberta"), /*seed=*/5);
  save_masked_lm(*mlm, dir / "m");
  std::ifstream in(dir / "m" / "config.json");
  const auto config = nlohmann::json::parse(in);
  EXPECT_EQ(config.at("architectures"), nlohmann::json::array({"RobertaForMaskedLM"}));
  EXPECT_FALSE(config.contains("id2label"));
  auto file = SafetensorsFile::open(dir / "m" / "model.safetensors");
  EXPECT_FALSE(file->contains("lm_head.decoder.weight"));  // tied: transformers re-ties it

  std::vector<std::string> fresh;
  auto back = load_masked_lm(dir / "m", &fresh);
  EXPECT_TRUE(fresh.empty());
  mlm->eval();
  back->eval();
  torch::NoGradGuard no_grad;
  const auto ids = torch::tensor({{0, 7, 9, 11, 2}}, torch::kLong);
  const auto mask = torch::ones_like(ids);
  const auto pos = torch::tensor({1, 2, 3}, torch::kLong);
  EXPECT_TRUE(torch::allclose(mlm->forward(ids, mask, pos), back->forward(ids, mask, pos)));

  LoadReport report;
  auto classifier = load_model(dir / "m", &report, /*num_labels=*/3);
  EXPECT_TRUE(report.unused_keys.empty());
  EXPECT_FALSE(report.ignored_keys.empty());  // lm_head.*
  for (const auto& k : report.newly_initialized) EXPECT_EQ(k.rfind("classifier.", 0), 0u) << k;
}

// The original DeBERTa checkpoints name the head lm_predictions.lm_head.*; it loads into cls.predictions.
TEST(MaskedLM, LoadsOriginalDebertaHeadNames) {
  const auto dir = temp_dir("mlm-deberta");
  auto mlm = create_masked_lm(tiny("deberta-v2"), /*seed=*/2);
  save_masked_lm(*mlm, dir / "m");
  std::vector<std::pair<std::string, torch::Tensor>> renamed;
  for (auto& [k, t] : load_safetensors(dir / "m" / "model.safetensors")) {
    std::string key = k;
    const std::string p = "cls.predictions.transform.";
    if (key.rfind(p, 0) == 0) key = "lm_predictions.lm_head." + key.substr(p.size());
    if (key == "cls.predictions.bias") key = "lm_predictions.lm_head.bias";
    renamed.emplace_back(key, t);
  }
  save_safetensors(dir / "m" / "model.safetensors", renamed);
  std::vector<std::string> fresh;
  auto back = load_masked_lm(dir / "m", &fresh);
  EXPECT_TRUE(fresh.empty());
  EXPECT_TRUE(torch::equal(back->head->bias, mlm->head->bias));
  EXPECT_TRUE(torch::equal(back->head->dense->weight, mlm->head->dense->weight));
}

}  // namespace
}  // namespace attune::models
