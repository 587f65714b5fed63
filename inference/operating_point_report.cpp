#include "inference/operating_point_report.h"

#include <algorithm>
#include <cstdio>

#include "inference/report.h"

namespace attune::inference {

namespace {

std::string format(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double share(double part, double whole) {
  return whole > 0 ? part / whole : 0.0;
}

}  // namespace

std::vector<ThresholdRow> threshold_table(const torch::Tensor& probabilities,
                                          const std::vector<int64_t>& y_true,
                                          const std::vector<double>& weights, const OperatingPoint& op) {
  std::vector<double> thresholds = kReportThresholds;
  if (std::find(thresholds.begin(), thresholds.end(), op.threshold) == thresholds.end())
    thresholds.push_back(op.threshold);
  std::sort(thresholds.begin(), thresholds.end());
  const auto scores = attack_scores(probabilities, op.benign_id);
  // The most probable attack class of each row: what the rule says once the row is flagged.
  OperatingPoint always = op;
  always.threshold = -1;
  const auto technique = decide_all(probabilities, always);
  std::vector<ThresholdRow> rows;
  for (const double t : thresholds) {
    double benign = 0, attack = 0, benign_flagged = 0, attack_flagged = 0, exact = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
      const double w = weights.empty() ? 1.0 : weights[i];
      const bool flagged = scores[i] >= t, is_benign = y_true[i] == op.benign_id;
      (is_benign ? benign : attack) += w;
      if (flagged) (is_benign ? benign_flagged : attack_flagged) += w;
      if (flagged && !is_benign && technique[i] == y_true[i]) exact += w;
    }
    rows.push_back({t, t == op.threshold, share(benign_flagged, benign), share(attack_flagged, attack),
                    share(attack_flagged, attack_flagged + benign_flagged), share(exact, attack)});
  }
  return rows;
}

OperatingPointReport operating_point_report(const Predictions& predictions,
                                            const std::vector<int64_t>& y_true,
                                            const std::vector<double>& weights,
                                            const std::vector<std::string>& labels, const OperatingPoint& op,
                                            double temperature) {
  OperatingPointReport r;
  r.temperature = temperature;
  r.op = op;
  r.at_point = compute_metrics(labels, y_true, decide_all(predictions.probabilities, op), weights);
  r.table = threshold_table(predictions.probabilities, y_true, weights, op);
  return r;
}

std::string operating_point_text(const OperatingPointReport& r) {
  const auto& op = r.op;
  std::string out = "Operating point: " + op.describe() + "; chosen on validation: benign FPR " +
                    format("%.6f", op.validation_benign_fpr) + " over " +
                    format("%g", op.validation_benign_rows) + " benign rows, attack recall " +
                    format("%.4f", op.validation_attack_recall) + "; temperature " +
                    format("%.4f", r.temperature) + "\n\n";
  out += classification_report_text(r.at_point) + "\n" + confusion_matrix_text(r.at_point) + "\n";
  out += "Attack vs benign by threshold (attack score = 1 - p(" + op.benign_label + "))\n";
  out += "   threshold  benign FPR  attack recall  attack precision  technique recall\n";
  for (const auto& row : r.table)
    out += format("%12.8g", row.threshold) + format("%12.6f", row.benign_fpr) +
           format("%15.4f", row.attack_recall) + format("%18.4f", row.attack_precision) +
           format("%18.4f", row.technique_recall) + (row.chosen ? "  <- operating point" : "") + "\n";
  return out;
}

nlohmann::json operating_point_json(const OperatingPointReport& r) {
  EvalResult at_point;
  at_point.metrics = r.at_point;
  const auto metrics = report_json(at_point);
  nlohmann::json j = {{"temperature", r.temperature}, {"operating_point", r.op.to_json()}};
  for (const char* key : {"labels", "confusion_matrix", "per_class", "accuracy", "macro_avg", "weighted_avg"})
    j[key] = metrics.at(key);
  j["thresholds"] = nlohmann::json::array();
  for (const auto& row : r.table)
    j["thresholds"].push_back({{"threshold", row.threshold},
                               {"chosen", row.chosen},
                               {"benign_fpr", row.benign_fpr},
                               {"attack_recall", row.attack_recall},
                               {"attack_precision", row.attack_precision},
                               {"technique_recall", row.technique_recall}});
  return j;
}

}  // namespace attune::inference
