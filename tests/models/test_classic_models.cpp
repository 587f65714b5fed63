// The classic baselines as sequence classifiers: the LSTM reads its rows front-padded as Keras's
// pad_sequences does and starts from Keras's initialisation; TF-IDF rows are l2-normalised count * idf;
// both write config.json + model.safetensors that load back to the same logits.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "models/hf_config.h"
#include "models/lstm_classifier.h"
#include "models/model_factory.h"
#include "models/tfidf_logreg.h"
#include "test_paths.h"

namespace {

using namespace attune::models;
namespace fs = std::filesystem;

HFConfig lstm_config() {
  auto c = default_hf_config(kLstmModelType);
  c.vocab_size = 30;
  c.embedding_size = 8;
  c.hidden_size = 6;
  c.max_position_embeddings = 5;
  set_labels(c, {"Normal", "T1105", "T1083"});
  return c;
}

TEST(LstmClassifier, RowsAreMovedToTheEndOfTheWindowAsKerasPrePadding) {
  LstmClassifier model(lstm_config());
  // Batching pads after each row: [7 8 0 0] (2 ids) and [3 4 5 6] (4 ids).
  const auto ids = torch::tensor({7, 8, 0, 0, 3, 4, 5, 6}, torch::kLong).view({2, 4});
  const auto mask = torch::tensor({1, 1, 0, 0, 1, 1, 1, 1}, torch::kLong).view({2, 4});
  const auto padded = model.front_padded(ids, mask);
  EXPECT_TRUE(torch::equal(padded, torch::tensor({0, 0, 0, 7, 8, 0, 3, 4, 5, 6}, torch::kLong).view({2, 5})));
  // A row longer than the window keeps its last ids.
  const auto long_ids = torch::arange(1, 8, torch::kLong).view({1, 7});
  EXPECT_TRUE(torch::equal(model.front_padded(long_ids, torch::ones({1, 7}, torch::kLong)),
                           torch::tensor({3, 4, 5, 6, 7}, torch::kLong).view({1, 5})));
}

TEST(LstmClassifier, StartsFromKerasInitialisation) {
  torch::manual_seed(3);
  LstmClassifier model(lstm_config());
  auto params = model.named_parameters();
  const auto bias_ih = params["lstm.bias_ih_l0"];
  const int64_t h = 6;
  EXPECT_TRUE(torch::equal(bias_ih.narrow(0, h, h), torch::ones({h})));  // unit_forget_bias
  EXPECT_EQ(bias_ih.narrow(0, 0, h).abs().sum().item<float>(), 0.f);
  EXPECT_EQ(params["lstm.bias_hh_l0"].abs().sum().item<float>(), 0.f);
  EXPECT_LE(params["embedding.weight"].abs().max().item<float>(), 0.05f);
  // The recurrent kernel is orthogonal: W^T W = I for [4H, H].
  const auto w = params["lstm.weight_hh_l0"];
  EXPECT_TRUE(torch::allclose(w.t().mm(w), torch::eye(h), 1e-5, 1e-5));
  EXPECT_EQ(model.head_module_names(), std::vector<std::string>{"classifier"});
}

TEST(LstmClassifier, SavesAndLoadsAsAModelDir) {
  torch::manual_seed(5);
  auto model = create_model(lstm_config(), 11);
  model->eval();
  const fs::path dir = attune::testing::temp_dir("lstm-model-dir");
  save_model(*model, dir);
  const auto config_json = load_hf_config(dir / "config.json");
  EXPECT_EQ(config_json.model_type, kLstmModelType);
  EXPECT_EQ(config_json.max_position_embeddings, 5);
  EXPECT_EQ(config_json.id2label.at(2), "T1083");
  auto loaded = load_model(dir);
  loaded->eval();
  const auto ids = torch::tensor({7, 8, 9, 0, 3, 4, 5, 6}, torch::kLong).view({2, 4});
  const auto mask = torch::tensor({1, 1, 1, 0, 1, 1, 1, 1}, torch::kLong).view({2, 4});
  torch::NoGradGuard no_grad;
  const auto a = model->forward(ids, mask).logits;
  const auto b = loaded->forward(ids, mask).logits;
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(TfidfRows, AreL2NormalisedCountTimesIdf) {
  const auto idf = torch::tensor({0.0, 1.0, 2.0, 1.5}, torch::kDouble);
  // Row 0: term 1 twice, term 2 once; row 1: only the padding id; row 2: term 3.
  const auto x = tfidf_rows({{1, 2, 1, 0}, {0}, {3}}, idf);
  ASSERT_EQ(x.rows, 3);
  ASSERT_EQ(x.value.size(0), 3);  // id 0 (idf 0) is dropped
  const double norm = std::sqrt(2.0 * 2.0 + 2.0 * 2.0);
  EXPECT_EQ(x.row[0].item<int64_t>(), 0);
  EXPECT_EQ(x.column[0].item<int64_t>(), 1);
  EXPECT_NEAR(x.value[0].item<double>(), 2.0 / norm, 1e-12);
  EXPECT_NEAR(x.value[1].item<double>(), 2.0 / norm, 1e-12);
  EXPECT_EQ(x.row[2].item<int64_t>(), 2);
  EXPECT_NEAR(x.value[2].item<double>(), 1.0, 1e-12);
  EXPECT_THROW(tfidf_rows({{4}}, idf), std::exception);
}

TEST(TfidfLogreg, LogitsAreTheLinearModelOnTheTfidfRowsAndSurviveSaveAndLoad) {
  auto c = default_hf_config(kTfidfLogregModelType);
  c.vocab_size = 4;
  set_labels(c, {"Normal", "T1105"});
  auto model = create_model(c, 1);
  auto& tfidf = dynamic_cast<TfidfLogreg&>(*model);
  {
    torch::NoGradGuard no_grad;
    tfidf.idf.copy_(torch::tensor({0.f, 1.f, 2.f, 1.5f}));
    tfidf.classifier->weight.copy_(torch::tensor({0.f, 1.f, -1.f, 0.5f, 0.f, -2.f, 3.f, 1.f}).view({2, 4}));
    tfidf.classifier->bias.copy_(torch::tensor({0.25f, -0.25f}));
  }
  const auto ids = torch::tensor({1, 2, 1, 3, 0, 0}, torch::kLong).view({2, 3});
  const auto mask = torch::tensor({1, 1, 1, 1, 0, 0}, torch::kLong).view({2, 3});
  torch::NoGradGuard no_grad;
  const auto logits = model->forward(ids, mask).logits;
  // Row 0: x = (0, 2, 2, 0) / sqrt(8); row 1: x = (0, 0, 0, 1).
  const double s = 1 / std::sqrt(8.0);
  EXPECT_NEAR(logits[0][0].item<float>(), 0.25 + (2 - 2) * s, 1e-6);
  EXPECT_NEAR(logits[0][1].item<float>(), -0.25 + (-4 + 6) * s, 1e-6);
  EXPECT_NEAR(logits[1][0].item<float>(), 0.25 + 0.5, 1e-6);
  EXPECT_NEAR(logits[1][1].item<float>(), -0.25 + 1, 1e-6);

  const fs::path dir = attune::testing::temp_dir("tfidf-model-dir");
  save_model(*model, dir);
  auto loaded = load_model(dir);
  EXPECT_TRUE(torch::equal(loaded->forward(ids, mask).logits, logits));
  EXPECT_TRUE(torch::equal(dynamic_cast<TfidfLogreg&>(*loaded).idf, tfidf.idf));
}

TEST(HFConfig, ClassicTypesWriteOnlyTheFieldsTheyUse) {
  auto c = default_hf_config(kTfidfLogregModelType);
  c.vocab_size = 9;
  set_labels(c, {"a", "b"});
  const auto j = to_json(c);
  EXPECT_FALSE(j.contains("num_attention_heads"));
  EXPECT_FALSE(j.contains("embedding_size"));
  EXPECT_EQ(j["vocab_size"], 9);
  const auto back = parse_hf_config(j, "config.json");
  EXPECT_EQ(back.vocab_size, 9);
  EXPECT_EQ(back.id2label.at(1), "b");
  auto bad = j;
  bad["pad_token_id"] = 9;
  EXPECT_THROW(parse_hf_config(bad, "config.json"), std::exception);
}

}  // namespace
