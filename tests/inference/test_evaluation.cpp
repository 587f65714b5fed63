// trainer/evaluation.cpp: predict() runs length-sorted, padded batches yet returns each row's logits in
// input order, equal to running the row alone; evaluate()'s loss is the (sample-weighted) mean
// cross-entropy computed here directly from those logits, and its metrics count the argmax predictions.
#include "inference/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/hf_config.h"
#include "models/model_factory.h"

namespace {

using attune::inference::InferenceSettings;

// A small random-init RoBERTa classifier with three labels (dropout is off in eval mode anyway).
std::shared_ptr<attune::models::SequenceClassifier> tiny_model() {
  auto c = attune::models::default_hf_config("roberta");
  c.architectures = {attune::models::sequence_classification_architecture("roberta")};
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.vocab_size = 40;
  c.max_position_embeddings = 20;
  c.type_vocab_size = 1;
  attune::models::set_labels(c, {"a", "b", "c"});
  return attune::models::create_model(c, /*seed=*/3);
}

// Rows of lengths that differ, in no length order. Ids start at 3 (0..2: <s>, <pad>, </s>).
std::vector<std::vector<int64_t>> rows() {
  std::vector<std::vector<int64_t>> out;
  const int lengths[] = {5, 12, 3, 9, 7, 15, 4, 11, 6, 10, 8};
  for (size_t i = 0; i < std::size(lengths); ++i) {
    std::vector<int64_t> ids{0};
    for (int j = 1; j + 1 < lengths[i]; ++j) ids.push_back(3 + static_cast<int64_t>((i * 7 + j * 5) % 37));
    ids.push_back(2);
    out.push_back(ids);
  }
  return out;
}

TEST(Evaluation, PredictKeepsInputOrderAcrossLengthSortedBatches) {
  auto model = tiny_model();
  const auto input = rows();
  const InferenceSettings settings{/*batch_size=*/3, /*pad_id=*/1, /*bf16=*/false};
  const auto p = attune::inference::predict(*model, input, settings);
  ASSERT_EQ(p.logits.sizes(), (std::vector<int64_t>{static_cast<int64_t>(input.size()), 3}));
  ASSERT_EQ(p.predicted.size(), input.size());
  model->eval();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < input.size(); ++i) {
    // The row alone: no padding, no batch neighbours.
    const auto ids = torch::tensor(input[i], torch::kInt64).unsqueeze(0);     // [1, T]
    const auto alone = model->forward(ids, torch::ones_like(ids)).logits[0];  // [C]
    EXPECT_TRUE(torch::allclose(p.logits[static_cast<int64_t>(i)], alone, /*rtol=*/1e-5, /*atol=*/1e-5))
        << "row " << i << ": " << p.logits[static_cast<int64_t>(i)] << " vs " << alone;
    EXPECT_EQ(p.predicted[i], alone.argmax().item<int64_t>());
  }
  EXPECT_TRUE(torch::allclose(p.probabilities.sum(-1), torch::ones({static_cast<int64_t>(input.size())})));
}

TEST(Evaluation, LossIsTheMeanCrossEntropyAndMetricsCountPredictions) {
  auto model = tiny_model();
  attune::data::TokenizedRows data;
  data.input_ids = rows();
  for (size_t i = 0; i < data.input_ids.size(); ++i) data.labels.push_back(static_cast<int64_t>(i % 3));
  data.weights.assign(data.input_ids.size(), 1.0f);
  const InferenceSettings settings{/*batch_size=*/4, /*pad_id=*/1, /*bf16=*/false};
  attune::inference::Predictions p;
  const auto r = attune::inference::evaluate(*model, data, {"a", "b", "c"}, settings, &p);

  double ce = 0;
  size_t correct = 0;
  const auto logits = p.logits.to(torch::kDouble);
  for (size_t i = 0; i < data.labels.size(); ++i) {
    const auto row = logits[static_cast<int64_t>(i)];
    const double logsumexp = std::log(row.exp().sum().item<double>());
    ce += logsumexp - row[data.labels[i]].item<double>();
    correct += p.predicted[i] == data.labels[i];
  }
  const double n = static_cast<double>(data.labels.size());
  EXPECT_NEAR(r.loss, ce / n, 1e-6);
  EXPECT_DOUBLE_EQ(r.metrics.accuracy, static_cast<double>(correct) / n);
  EXPECT_EQ(r.rows, data.labels.size());

  // With a count column: the weighted mean.
  double wce = 0, wsum = 0;
  for (size_t i = 0; i < data.labels.size(); ++i) {
    data.weights[i] = static_cast<float>(1 + i % 4);
    const auto row = logits[static_cast<int64_t>(i)];
    wce += data.weights[i] * (std::log(row.exp().sum().item<double>()) - row[data.labels[i]].item<double>());
    wsum += data.weights[i];
  }
  const auto weighted = attune::inference::evaluate(*model, data, {"a", "b", "c"}, settings);
  EXPECT_NEAR(weighted.loss, wce / wsum, 1e-6);
}

TEST(Evaluation, NoRowsGivesEmptyPredictions) {
  auto model = tiny_model();
  const auto p = attune::inference::predict(*model, {}, InferenceSettings{8, 1, false});
  EXPECT_EQ(p.logits.size(0), 0);
  EXPECT_TRUE(p.predicted.empty());
}

}  // namespace
