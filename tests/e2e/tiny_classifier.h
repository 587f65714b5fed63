// The tiny classifier dir the deployment e2e tests serve and predict with: a random-init RoBERTa (hidden 32,
// 2 layers) with the real roberta-base tokenizer, the labels Benign and T1003.002, and an attune.json
// (max_length 64). Nothing is trained: its labels mean nothing, only the plumbing is under test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/tokenizers/term_tokenizer.h"
#include "data/tokenizers/tokenizer.h"
#include "inference/export_dir.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "models/tfidf_logreg.h"
#include "test_paths.h"

namespace attune::testing {

inline const std::vector<std::string>& tiny_classifier_labels() {
  static const std::vector<std::string> labels = {"Benign", "T1003.002"};
  return labels;
}

// Writes the dir into a fresh temporary folder named by `tag`. `initializer_range` widens the random
// weights (so that two texts get clearly different scores); `lowercase` and the calibration `temperature`
// are recorded in attune.json.
inline std::filesystem::path write_tiny_classifier(const std::string& tag, uint64_t seed,
                                                   double initializer_range, bool lowercase,
                                                   double temperature = 1.0) {
  const std::filesystem::path tokenizer_dir = shared_dir() / "tokenizers/roberta-base";
  auto config = models::default_hf_config("roberta");  // pad 1, bos 0, eos 2
  config.vocab_size = data::load_tokenizer(tokenizer_dir)->vocab_size();
  config.hidden_size = 32;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.intermediate_size = 37;
  config.max_position_embeddings = 66;
  config.type_vocab_size = 1;
  config.layer_norm_eps = 1e-5;
  config.initializer_range = initializer_range;
  models::set_labels(config, tiny_classifier_labels());
  const std::filesystem::path out = temp_dir(tag) / "model";
  models::save_model(*models::create_model(config, seed), out);
  inference::copy_tokenizer_files(tokenizer_dir, out);
  inference::Preprocessing pre;
  pre.lowercase = lowercase;
  pre.max_length = 64;
  pre.temperature = temperature;
  pre.labels = tiny_classifier_labels();
  inference::write_preprocessing(out, pre);
  return out;
}

// A TF-IDF + logistic-regression dir (model.type tfidf_logreg's export) whose weights are set by hand:
// a text with "wget" or "curl" is T1003.002, anything else Benign, with labels tiny_classifier_labels().
inline std::filesystem::path write_tiny_tfidf_classifier(const std::string& tag) {
  const auto tokenizer = data::TermTokenizer::fit(
      {"wget http://10.0.0.1/x", "curl -s http://x", "ls -la", "cat notes.txt"}, {}, {});
  auto config = models::default_hf_config(models::kTfidfLogregModelType);
  config.vocab_size = tokenizer->vocab_size();
  models::set_labels(config, tiny_classifier_labels());
  auto model = models::create_model(config);
  auto& lr = dynamic_cast<models::TfidfLogreg&>(*model);
  {
    torch::NoGradGuard no_grad;
    const auto& idf = tokenizer->idf();
    lr.idf.copy_(torch::tensor(std::vector<float>(idf.begin(), idf.end())));
    for (const char* word : {"wget", "curl"}) lr.classifier->weight[1][*tokenizer->token_to_id(word)] = 20.0f;
    lr.classifier->bias.copy_(torch::tensor({1.0f, -1.0f}));
  }
  const std::filesystem::path root = temp_dir(tag);
  tokenizer->save(root / "tokenizer");
  inference::Preprocessing pre;
  pre.lowercase = true;
  pre.max_length = 64;
  pre.labels = tiny_classifier_labels();
  inference::export_merged(root / "model", *model, root / "tokenizer", pre, torch::kFloat);
  return root / "model";
}

}  // namespace attune::testing
