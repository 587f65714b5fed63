// The real-data proxy's summary: on real benign command lines (the benign world's heldout packages) the
// share flagged as an attack, and on real attack command lines the share flagged as any attack and the
// share given their exact technique, overall and per technique — by argmax and, where the model has one,
// at its operating point (on temperature-scaled probabilities, as evaluate/predict/serve decide).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inference/evaluation.h"
#include "inference/operating_point.h"

namespace attune::inference {

struct RealDataCounts {
  double rows = 0, flagged = 0, exact = 0;  // flagged: called any attack; exact: the true label
};

struct RealDataDecision {
  RealDataCounts benign;                           // flagged = false alarms
  RealDataCounts attacks;                          // every attack row
  std::map<std::string, RealDataCounts> by_label;  // attack rows per technique
};

struct RealDataSummary {
  RealDataDecision argmax;
  std::optional<RealDataDecision> operating_point;
};

// Counts the decisions over the rows of one or both sets (either may be empty). predictions: from
// predict() over the rows, in order, with the model's temperature (their probabilities are the calibrated
// ones the operating point decides on); y_true: their class ids; benign_id: the benign class.
RealDataSummary summarize_real_data(const Predictions& predictions, const std::vector<int64_t>& y_true,
                                    const std::vector<std::string>& labels, int64_t benign_id,
                                    const OperatingPoint* op);

// "real-data proxy (argmax): benign false alarms 12 of 2,287 (0.52 %); attacks flagged 60 of 72 (83.3 %),
// exact technique 55 (76.4 %): T1003.002 20/22, ..." and the same line at the operating point.
std::string real_data_text(const RealDataSummary& summary);
nlohmann::json real_data_json(const RealDataSummary& summary);

}  // namespace attune::inference
