#include "trainer/early_stopping.h"

#include <cmath>
#include <utility>

#include "base/errors.h"
#include "inference/metrics.h"

namespace attune::trainer {

EarlyStopping::EarlyStopping(std::string metric_name, std::int64_t patience_evals, double min_improvement)
    : metric(std::move(metric_name)),
      greater_is_better(inference::greater_is_better(metric)),
      patience(patience_evals),
      threshold(min_improvement) {
  if (patience < 0)
    throw InputError("early_stopping_patience: " + std::to_string(patience) + ", expected an integer >= 0");
  if (!(threshold >= 0.0))
    throw InputError("early_stopping_threshold: " + std::to_string(threshold) + ", expected a number >= 0");
}

bool EarlyStopping::update(double value, std::int64_t step, std::int64_t epoch) {
  const bool better = !std::isnan(value) &&
                      (!best_metric || (greater_is_better ? value > *best_metric : value < *best_metric));
  // The callback compares against the best before this evaluation, with the threshold.
  if (better && (!best_metric || std::fabs(value - *best_metric) > threshold)) {
    patience_counter = 0;
  } else {
    ++patience_counter;
  }
  if (!better) return false;
  best_metric = value;
  best_step = step;
  best_epoch = epoch;
  return true;
}

nlohmann::json EarlyStopping::to_json() const {
  return {{"metric", metric},
          {"greater_is_better", greater_is_better},
          {"patience", patience},
          {"threshold", threshold},
          {"best_metric", best_metric ? nlohmann::json(*best_metric) : nlohmann::json(nullptr)},
          {"best_step", best_step},
          {"best_epoch", best_epoch},
          {"patience_counter", patience_counter}};
}

EarlyStopping EarlyStopping::from_json(const nlohmann::json& j) {
  try {
    EarlyStopping s(j.at("metric").get<std::string>(), j.at("patience").get<std::int64_t>(),
                    j.at("threshold").get<double>());
    s.greater_is_better = j.at("greater_is_better").get<bool>();
    if (!j.at("best_metric").is_null()) s.best_metric = j.at("best_metric").get<double>();
    s.best_step = j.at("best_step").get<std::int64_t>();
    s.best_epoch = j.at("best_epoch").get<std::int64_t>();
    s.patience_counter = j.at("patience_counter").get<std::int64_t>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("early stopping state: ") + e.what());
  }
}

}  // namespace attune::trainer
