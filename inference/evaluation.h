// Running a classifier over tokenized rows: predictions, probabilities and, with labels, the loss and the
// scikit-learn metrics. Shared by the training loop, `evaluate`, `predict` and `serve`.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/batching.h"
#include "inference/metrics.h"
#include "models/encoder.h"

namespace attune::inference {

struct InferenceSettings {
  int64_t batch_size = 64;
  int64_t pad_id = 1;
  bool bf16 = true;          // CPU autocast to bfloat16
  double temperature = 1.0;  // probabilities and loss from logits / temperature (attune.json's calibration)
};

struct Predictions {
  torch::Tensor logits;               // [N, C] float32, rows in input order
  torch::Tensor probabilities;        // [N, C] float32 softmax(logits / temperature)
  std::vector<int64_t> predicted;     // [N] argmax class id (the decision, after apply_operating_point)
  std::vector<double> attack_scores;  // [N] 1 - p(benign) where an operating point was applied, else empty
  double seconds = 0;                 // forward time
};

// Forward passes in eval mode without gradients, over length-sorted batches padded to their longest row;
// results come back in the rows' order. rows.labels may be empty.
Predictions predict(models::SequenceClassifier& model, const std::vector<std::vector<int64_t>>& input_ids,
                    const InferenceSettings& settings);

// The sample weights metrics use: empty unless some row weighs other than 1 (a `count` column was given).
std::vector<double> metric_weights(const data::TokenizedRows& rows);

// predict() (argmax) plus the (sample-weighted) mean cross-entropy of softmax(logits / temperature) and the
// metrics over `labels`.
EvalResult evaluate(models::SequenceClassifier& model, const data::TokenizedRows& rows,
                    const std::vector<std::string>& labels, const InferenceSettings& settings,
                    Predictions* predictions = nullptr);

}  // namespace attune::inference
