// The test report at an operating point: the classification report and confusion matrix of the decision
// rule beside the argmax ones, the temperature, and attack-vs-benign precision and recall by threshold.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "inference/evaluation.h"
#include "inference/metrics.h"
#include "inference/operating_point.h"

namespace attune::inference {

// The thresholds the table always shows, beside the chosen one.
inline const std::vector<double> kReportThresholds = {0.5, 0.9, 0.99, 0.999};

// Attack vs benign at one threshold on the attack score (weighted rows; 0 where a share has no rows).
struct ThresholdRow {
  double threshold = 0;
  bool chosen = false;          // the operating point's threshold
  double benign_fpr = 0;        // benign rows flagged / benign rows
  double attack_recall = 0;     // attack rows flagged / attack rows
  double attack_precision = 0;  // attack rows flagged / rows flagged
  double technique_recall = 0;  // attack rows flagged with their own technique / attack rows
};

struct OperatingPointReport {
  double temperature = 1.0;
  OperatingPoint op;
  ClassificationMetrics at_point;   // the metrics of the decision rule
  std::vector<ThresholdRow> table;  // kReportThresholds and op.threshold, ascending
};

// probabilities: [N, C] (calibrated); y_true: [N]; weights: empty or [N].
std::vector<ThresholdRow> threshold_table(const torch::Tensor& probabilities,
                                          const std::vector<int64_t>& y_true,
                                          const std::vector<double>& weights, const OperatingPoint& op);

OperatingPointReport operating_point_report(const Predictions& predictions,
                                            const std::vector<int64_t>& y_true,
                                            const std::vector<double>& weights,
                                            const std::vector<std::string>& labels, const OperatingPoint& op,
                                            double temperature);

// "Operating point: ..." with the validation figures and the temperature, the classification report and
// confusion matrix at the operating point, and the threshold table:
//   Attack vs benign by threshold (attack score = 1 - p(Benign))
//   threshold  benign FPR  attack recall  attack precision  technique recall
//      0.5000      0.0120         0.9950            0.9900            0.9800
std::string operating_point_text(const OperatingPointReport& report);

// {"temperature", "operating_point" (OperatingPoint::to_json), "labels", "confusion_matrix", "per_class",
// "accuracy", "macro_avg", "weighted_avg" (at the operating point, as report_json), "thresholds":
// [{threshold, chosen, benign_fpr, attack_recall, attack_precision, technique_recall}]}.
nlohmann::json operating_point_json(const OperatingPointReport& report);

}  // namespace attune::inference
