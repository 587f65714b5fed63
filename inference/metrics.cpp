#include "inference/metrics.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "base/errors.h"

namespace attune::inference {
namespace {

// sklearn's _prf_divide with zero_division=0: a ratio whose denominator is 0 is 0.
double safe_divide(double numerator, double denominator) {
  return denominator == 0.0 ? 0.0 : numerator / denominator;
}

// Strips the Trainer's "eval_" prefix: "eval_accuracy" and "accuracy" name the same metric.
std::string bare_name(const std::string& name) {
  const std::string prefix = "eval_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

[[noreturn]] void unknown_metric(const std::string& name) {
  std::string names;
  for (const auto& n : metric_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError("unknown metric '" + name + "': expected one of " + names);
}

}  // namespace

ClassificationMetrics compute_metrics(const std::vector<std::string>& labels,
                                      const std::vector<std::int64_t>& y_true,
                                      const std::vector<std::int64_t>& y_pred,
                                      const std::vector<double>& weights) {
  const auto n_classes = static_cast<std::int64_t>(labels.size());
  if (labels.empty()) throw InputError("compute_metrics: no labels");
  if (y_true.size() != y_pred.size())
    throw InputError("compute_metrics: " + std::to_string(y_true.size()) + " true labels but " +
                     std::to_string(y_pred.size()) + " predictions");
  if (!weights.empty() && weights.size() != y_true.size())
    throw InputError("compute_metrics: " + std::to_string(weights.size()) + " weights for " +
                     std::to_string(y_true.size()) + " rows");

  ClassificationMetrics m;
  m.labels = labels;
  m.weighted = !weights.empty();
  m.confusion.assign(labels.size(), std::vector<double>(labels.size(), 0.0));
  double total = 0.0;
  double correct = 0.0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const auto t = y_true[i];
    const auto p = y_pred[i];
    if (t < 0 || t >= n_classes || p < 0 || p >= n_classes)
      throw InputError("compute_metrics: row " + std::to_string(i) + " has class id " +
                       std::to_string(t < 0 || t >= n_classes ? t : p) + ", expected 0.." +
                       std::to_string(n_classes - 1));
    const double w = weights.empty() ? 1.0 : weights[i];
    if (!(w >= 0.0) || !std::isfinite(w))
      throw InputError("compute_metrics: row " + std::to_string(i) + " has weight " + std::to_string(w) +
                       ", expected a finite number >= 0");
    m.confusion[t][p] += w;
    total += w;
    if (t == p) correct += w;
  }
  m.accuracy = safe_divide(correct, total);

  // Per class: tp = diagonal, true sum = row sum, predicted sum = column sum.
  m.per_class.resize(labels.size());
  for (std::size_t c = 0; c < labels.size(); ++c) {
    double true_sum = 0.0;
    double pred_sum = 0.0;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      true_sum += m.confusion[c][k];
      pred_sum += m.confusion[k][c];
    }
    const double tp = m.confusion[c][c];
    auto& s = m.per_class[c];
    s.precision = safe_divide(tp, pred_sum);
    s.recall = safe_divide(tp, true_sum);
    // sklearn >= 1.3 computes F1 as 2tp / (2tp + fp + fn); equal to 2PR/(P+R) where both are defined.
    s.f1 = safe_divide(2.0 * tp, tp + pred_sum + true_sum - tp);
    s.support = true_sum;
  }

  // Averages over classes: macro = plain mean, weighted = mean weighted by support.
  for (const auto& s : m.per_class) {
    m.macro_avg.precision += s.precision;
    m.macro_avg.recall += s.recall;
    m.macro_avg.f1 += s.f1;
    m.weighted_avg.precision += s.precision * s.support;
    m.weighted_avg.recall += s.recall * s.support;
    m.weighted_avg.f1 += s.f1 * s.support;
  }
  const double n = static_cast<double>(labels.size());
  for (double* v : {&m.macro_avg.precision, &m.macro_avg.recall, &m.macro_avg.f1}) *v /= n;
  for (double* v : {&m.weighted_avg.precision, &m.weighted_avg.recall, &m.weighted_avg.f1})
    *v = safe_divide(*v, total);
  m.macro_avg.support = total;
  m.weighted_avg.support = total;
  return m;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"eval_loss", "accuracy", "f1_macro", "f1_weighted"};
  return names;
}

double metric_value(const EvalResult& result, const std::string& name) {
  const std::string bare = bare_name(name);
  if (bare == "loss") return result.loss;
  if (bare == "accuracy") return result.metrics.accuracy;
  if (bare == "f1_macro") return result.metrics.macro_avg.f1;
  if (bare == "f1_weighted") return result.metrics.weighted_avg.f1;
  unknown_metric(name);
}

bool greater_is_better(const std::string& name) {
  const std::string bare = bare_name(name);
  if (bare == "loss") return false;
  if (bare == "accuracy" || bare == "f1_macro" || bare == "f1_weighted") return true;
  unknown_metric(name);
}

}  // namespace attune::inference
