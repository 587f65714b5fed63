// Classification metrics computed exactly as scikit-learn computes them: confusion_matrix,
// accuracy_score and precision_recall_fscore_support (the numbers behind classification_report),
// with zero_division = 0 and optional sample weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace attune::inference {

// Precision, recall, F1 and support of one class, or of an average over classes.
struct ClassScores {
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  double support = 0.0;  // true rows of the class (sum of their weights when weighted)
};

struct ClassificationMetrics {
  std::vector<std::string> labels;             // class names, index = class id
  std::vector<std::vector<double>> confusion;  // [actual][predicted], weighted counts
  std::vector<ClassScores> per_class;          // per_class[c] for labels[c]
  double accuracy = 0.0;
  ClassScores macro_avg;     // unweighted mean over classes (support: total)
  ClassScores weighted_avg;  // mean weighted by each class's support (support: total)
  bool weighted = false;     // sample weights were given: counts are sums of weights
};

// Computes the metrics of predictions over `labels.size()` classes. y_true/y_pred hold class ids in
// [0, labels.size()); `weights` is empty (every row weighs 1) or one weight >= 0 per row. A class with no
// true or no predicted rows gets 0 where sklearn divides by zero. Throws InputError on size mismatch, an
// id out of range, or a negative weight.
ClassificationMetrics compute_metrics(const std::vector<std::string>& labels,
                                      const std::vector<std::int64_t>& y_true,
                                      const std::vector<std::int64_t>& y_pred,
                                      const std::vector<double>& weights = {});

// One evaluation pass: metrics plus the loss and the speed it ran at.
struct EvalResult {
  ClassificationMetrics metrics;
  double loss = std::numeric_limits<double>::quiet_NaN();  // mean loss; NaN when not computed
  double samples_per_second = 0.0;
  double runtime_s = 0.0;
  std::size_t rows = 0;
};

// The metrics early stopping and best-model selection may watch, by the Trainer's names. Accepts the
// names with or without the "eval_" prefix: eval_loss (or loss), accuracy, f1_macro, f1_weighted.
// Throws InputError naming the accepted names for any other name.
double metric_value(const EvalResult& result, const std::string& name);

// Whether a larger value of the metric is better: false for losses, true otherwise (as the Trainer's
// greater_is_better default). Throws InputError for an unknown name.
bool greater_is_better(const std::string& name);

// The accepted metric names, for error messages and config validation.
const std::vector<std::string>& metric_names();

}  // namespace attune::inference
