// The operating point of a detector: a threshold on the attack score 1 - p(benign) chosen on validation
// so that at most a given share of benign rows raises an alarm (export.max_benign_fpr), and the decision
// rule that applies it. Recorded in attune.json; applied by evaluate, predict and serve.
//
// Choosing it: with the benign validation rows' attack scores b_1 < ... < b_m (distinct values, tied rows
// counted together, each weighing its sample weight), FPR(t) = weight of benign rows with score >= t /
// benign weight. It only changes at the b_k, so the smallest t meeting FPR(t) <= bound lies just above the
// largest b_k whose rows (with all those above) weigh more than the bound allows: t = nextafter(b_k, +inf).
// A threshold cannot split tied rows, so the achieved FPR may lie well below the bound. When even the
// highest benign score alone exceeds it, t lies just above the highest benign score (FPR 0 on
// validation). With n benign rows the bound allows floor(bound * n) of them above t (2,000 rows at 0.001:
// 2); with fewer than 1 / bound rows it allows none, and validation cannot show that the bound holds.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "inference/evaluation.h"

namespace attune::inference {

struct OperatingPoint {
  std::string benign_label = "Benign";
  int64_t benign_id = 0;                // the benign class id (from the labels; not written)
  double threshold = 0.5;               // an attack when attack_score >= threshold
  double max_benign_fpr = 0;            // the bound it was chosen for
  double validation_benign_fpr = 0;     // achieved on validation (weighted)
  double validation_attack_recall = 0;  // attack rows (weighted) at or above the threshold on validation
  double validation_benign_rows = 0;    // benign rows (sum of weights) it was chosen on
  double validation_attack_rows = 0;

  // {"benign_label", "threshold", "max_benign_fpr", "validation": {benign_fpr, attack_recall, benign_rows,
  // attack_rows}}.
  nlohmann::json to_json() const;
  // Reads to_json's form; InputError naming `origin` when malformed or the benign label is not in `labels`.
  static OperatingPoint from_json(const nlohmann::json& j, const std::vector<std::string>& labels,
                                  const std::string& origin);
  // "attack when 1 - p(Benign) >= 0.9731 (max benign FPR 0.001)".
  std::string describe() const;
};

// 1 - p(benign) per row. probabilities: [N, C].
std::vector<double> attack_scores(const torch::Tensor& probabilities, int64_t benign_id);

// The decision rule for one row of C probabilities: the benign class unless its attack score reaches the
// threshold, then the most probable attack class (the first on ties).
int64_t decide(const float* probabilities, int64_t num_labels, const OperatingPoint& op);
// decide() for every row. probabilities: [N, C] -> [N] class ids.
std::vector<int64_t> decide_all(const torch::Tensor& probabilities, const OperatingPoint& op);

// Replaces predictions.predicted by the decisions and fills predictions.attack_scores.
void apply_operating_point(Predictions& predictions, const OperatingPoint& op);

// The threshold choice of the header comment. scores, is_benign: [N]; weights: empty (each row 1) or [N].
struct ThresholdChoice {
  double threshold = 0;
  double benign_fpr = 0;  // achieved (weighted)
  double benign_weight = 0;
};
// std::invalid_argument on sizes that disagree or a bound outside (0, 1); no benign rows: threshold 0.
ThresholdChoice choose_threshold(const std::vector<double>& scores, const std::vector<bool>& is_benign,
                                 const std::vector<double>& weights, double max_benign_fpr);

// The operating point for validation probabilities ([N, C], calibrated) and true class ids [N].
OperatingPoint choose_operating_point(const torch::Tensor& probabilities, const std::vector<int64_t>& y_true,
                                      const std::vector<double>& weights, const std::string& benign_label,
                                      int64_t benign_id, double max_benign_fpr);

}  // namespace attune::inference
