#include "inference/evaluation.h"

#include <chrono>

#include "base/progress.h"
#include "models/autocast.h"
#include "models/batch_tensors.h"

namespace attune::inference {

Predictions predict(models::SequenceClassifier& model, const std::vector<std::vector<int64_t>>& input_ids,
                    const InferenceSettings& settings) {
  Predictions out;
  const int64_t n = static_cast<int64_t>(input_ids.size());
  const int64_t num_labels = model.config.num_labels();
  out.logits = torch::zeros({n, num_labels}, torch::kFloat32);
  if (n == 0) {
    out.probabilities = out.logits.clone();
    return out;
  }
  data::TokenizedRows rows;
  rows.input_ids = input_ids;
  rows.labels.assign(input_ids.size(), 0);
  const auto plan =
      data::plan_eval_batches(data::row_lengths(rows), settings.batch_size, /*sort_by_length=*/true);

  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& batch_rows : plan) {
    const auto batch = data::make_batch(rows, batch_rows, settings.pad_id);
    const auto t = models::to_tensors(batch);
    torch::Tensor logits;  // [B, C]
    {
      models::CpuAutocast autocast(settings.bf16);
      logits = model.forward(t.input_ids, t.attention_mask).logits;
    }
    const auto index =
        torch::tensor(std::vector<int64_t>(batch.rows.begin(), batch.rows.end()), torch::kInt64);
    out.logits.index_copy_(0, index, logits.to(torch::kFloat32));
  }
  out.seconds = seconds_since(start);
  if (was_training) model.train();

  out.probabilities = torch::softmax(out.logits / settings.temperature, /*dim=*/-1);
  const auto argmax = out.logits.argmax(/*dim=*/-1).contiguous();
  out.predicted.assign(argmax.data_ptr<int64_t>(), argmax.data_ptr<int64_t>() + n);
  return out;
}

std::vector<double> metric_weights(const data::TokenizedRows& rows) {
  for (float w : rows.weights)
    if (w != 1.0f) return {rows.weights.begin(), rows.weights.end()};
  return {};
}

EvalResult evaluate(models::SequenceClassifier& model, const data::TokenizedRows& rows,
                    const std::vector<std::string>& labels, const InferenceSettings& settings,
                    Predictions* predictions) {
  Predictions p = predict(model, rows.input_ids, settings);
  const int64_t n = static_cast<int64_t>(rows.input_ids.size());
  const std::vector<double> weights = metric_weights(rows);
  const bool weighted = !weights.empty();

  EvalResult result;
  result.rows = static_cast<size_t>(n);
  result.runtime_s = p.seconds;
  result.samples_per_second = p.seconds > 0 ? static_cast<double>(n) / p.seconds : 0.0;
  if (n > 0) {
    const auto target = torch::tensor(rows.labels, torch::kInt64);
    auto ce = torch::nn::functional::cross_entropy(
        p.logits / settings.temperature, target,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));  // [N]
    if (weighted) {
      const auto w = torch::tensor(rows.weights, torch::kFloat32);
      result.loss = (ce * w).sum().item<double>() / w.sum().item<double>();
    } else {
      result.loss = ce.mean().item<double>();
    }
  }
  result.metrics = compute_metrics(labels, rows.labels, p.predicted, weights);
  if (predictions) *predictions = std::move(p);
  return result;
}

}  // namespace attune::inference
