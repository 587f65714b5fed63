// Early stopping with the semantics of Hugging Face's EarlyStoppingCallback plus the Trainer's best-model
// tracking: an evaluation counts as an improvement when it beats the best so far by more than `threshold`
// (resetting the patience counter); otherwise the counter grows, and training stops when it reaches
// `patience`. The best metric itself moves on any strict improvement, as the Trainer's best_metric does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace attune::trainer {

struct EarlyStopping {
  std::string metric = "eval_loss";  // metric_for_best_model (see metrics.h's metric_value)
  bool greater_is_better = false;    // inferred from the metric's name
  std::int64_t patience = 0;         // early_stopping_patience; 0 never stops
  double threshold = 0.0;            // early_stopping_threshold

  std::optional<double> best_metric;  // none before the first evaluation
  std::int64_t best_step = 0;
  std::int64_t best_epoch = 0;
  std::int64_t patience_counter = 0;

  // Direction from the metric's name (loss: lower is better). Throws InputError for an unknown metric,
  // a negative patience or a negative threshold.
  EarlyStopping(std::string metric, std::int64_t patience, double threshold);
  EarlyStopping() = default;

  // Records one evaluation. Returns true when it is the new best (the caller keeps that model).
  // A NaN value is never an improvement.
  bool update(double value, std::int64_t step, std::int64_t epoch);
  // True once `patience` evaluations in a row have not improved by more than the threshold.
  bool should_stop() const { return patience > 0 && patience_counter >= patience; }

  nlohmann::json to_json() const;
  // Throws InputError naming the missing or malformed key.
  static EarlyStopping from_json(const nlohmann::json& json);
};

}  // namespace attune::trainer
