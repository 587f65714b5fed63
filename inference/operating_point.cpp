#include "inference/operating_point.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "base/errors.h"

namespace attune::inference {

namespace {

double weight_of(const std::vector<double>& weights, std::size_t i) {
  return weights.empty() ? 1.0 : weights[i];
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

nlohmann::json OperatingPoint::to_json() const {
  return {{"benign_label", benign_label},
          {"threshold", threshold},
          {"max_benign_fpr", max_benign_fpr},
          {"validation",
           {{"benign_fpr", validation_benign_fpr},
            {"attack_recall", validation_attack_recall},
            {"benign_rows", validation_benign_rows},
            {"attack_rows", validation_attack_rows}}}};
}

OperatingPoint OperatingPoint::from_json(const nlohmann::json& j, const std::vector<std::string>& labels,
                                         const std::string& origin) {
  OperatingPoint op;
  try {
    op.benign_label = j.at("benign_label").get<std::string>();
    op.threshold = j.at("threshold").get<double>();
    op.max_benign_fpr = j.at("max_benign_fpr").get<double>();
    if (j.contains("validation")) {
      const auto& v = j.at("validation");
      op.validation_benign_fpr = v.value("benign_fpr", 0.0);
      op.validation_attack_recall = v.value("attack_recall", 0.0);
      op.validation_benign_rows = v.value("benign_rows", 0.0);
      op.validation_attack_rows = v.value("attack_rows", 0.0);
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin +
                     ": operating_point: expected {benign_label: str, threshold: number, "
                     "max_benign_fpr: number} (" +
                     e.what() + ")");
  }
  if (!std::isfinite(op.threshold))
    throw InputError(origin + ": operating_point.threshold: expected a finite number");
  const auto it = std::find(labels.begin(), labels.end(), op.benign_label);
  if (it == labels.end())
    throw InputError(origin + ": operating_point.benign_label: '" + op.benign_label +
                     "' is not among the model's labels");
  op.benign_id = it - labels.begin();
  return op;
}

std::string OperatingPoint::describe() const {
  return "attack when 1 - p(" + benign_label + ") >= " + short_number(threshold) + " (max benign FPR " +
         short_number(max_benign_fpr) + ")";
}

std::vector<double> attack_scores(const torch::Tensor& probabilities, int64_t benign_id) {
  const auto p = probabilities.select(/*dim=*/1, benign_id).to(torch::kFloat32).contiguous();  // [N]
  std::vector<double> scores(static_cast<std::size_t>(p.numel()));
  const float* data = p.data_ptr<float>();
  for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = 1.0 - static_cast<double>(data[i]);
  return scores;
}

int64_t decide(const float* p, int64_t num_labels, const OperatingPoint& op) {
  if (1.0 - static_cast<double>(p[op.benign_id]) < op.threshold) return op.benign_id;
  int64_t best = -1;
  for (int64_t c = 0; c < num_labels; ++c)
    if (c != op.benign_id && (best < 0 || p[c] > p[best])) best = c;
  return best < 0 ? op.benign_id : best;
}

std::vector<int64_t> decide_all(const torch::Tensor& probabilities, const OperatingPoint& op) {
  const auto p = probabilities.to(torch::kFloat32).contiguous();  // [N, C]
  const int64_t n = p.size(0), c = p.size(1);
  std::vector<int64_t> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[static_cast<std::size_t>(i)] = decide(p.data_ptr<float>() + i * c, c, op);
  return out;
}

void apply_operating_point(Predictions& predictions, const OperatingPoint& op) {
  predictions.attack_scores = attack_scores(predictions.probabilities, op.benign_id);
  predictions.predicted = decide_all(predictions.probabilities, op);
}

ThresholdChoice choose_threshold(const std::vector<double>& scores, const std::vector<bool>& is_benign,
                                 const std::vector<double>& weights, double max_benign_fpr) {
  if (scores.size() != is_benign.size() || (!weights.empty() && weights.size() != scores.size()))
    throw std::invalid_argument("choose_threshold: sizes of scores, is_benign and weights differ");
  if (!(max_benign_fpr > 0 && max_benign_fpr < 1))
    throw std::invalid_argument("choose_threshold: max_benign_fpr must lie in (0, 1)");
  // Benign rows, highest score first.
  std::vector<std::size_t> benign;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (is_benign[i]) benign.push_back(i);
  std::sort(benign.begin(), benign.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  ThresholdChoice choice;
  for (const auto i : benign) choice.benign_weight += weight_of(weights, i);
  if (benign.empty() || choice.benign_weight <= 0) return choice;
  // The benign weight allowed at or above t; the slack keeps floor(bound * n) rows for bounds like 0.003
  // whose product with n rounds just below an integer.
  const double allowed = max_benign_fpr * choice.benign_weight * (1 + 1e-12);
  // Walk down the distinct scores; `above` weighs the benign rows with a score >= the current value.
  double above = 0;
  for (std::size_t k = 0; k < benign.size();) {
    const double value = scores[benign[k]];
    double tied = 0;
    for (; k < benign.size() && scores[benign[k]] == value; ++k) tied += weight_of(weights, benign[k]);
    if (above + tied > allowed) {  // t = value would flag too many: stop just above it
      choice.threshold = std::nextafter(value, std::numeric_limits<double>::infinity());
      choice.benign_fpr = above / choice.benign_weight;
      return choice;
    }
    above += tied;
  }
  // Unreachable for a bound < 1 (all benign rows weigh more than the bound allows); kept for safety.
  choice.threshold = scores[benign.back()];
  choice.benign_fpr = above / choice.benign_weight;
  return choice;
}

OperatingPoint choose_operating_point(const torch::Tensor& probabilities, const std::vector<int64_t>& y_true,
                                      const std::vector<double>& weights, const std::string& benign_label,
                                      int64_t benign_id, double max_benign_fpr) {
  const auto scores = attack_scores(probabilities, benign_id);
  std::vector<bool> is_benign(y_true.size());
  for (std::size_t i = 0; i < y_true.size(); ++i) is_benign[i] = y_true[i] == benign_id;
  const auto choice = choose_threshold(scores, is_benign, weights, max_benign_fpr);
  OperatingPoint op;
  op.benign_label = benign_label;
  op.benign_id = benign_id;
  op.threshold = choice.threshold;
  op.max_benign_fpr = max_benign_fpr;
  op.validation_benign_fpr = choice.benign_fpr;
  op.validation_benign_rows = choice.benign_weight;
  double caught = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    if (is_benign[i]) continue;
    op.validation_attack_rows += weight_of(weights, i);
    if (scores[i] >= op.threshold) caught += weight_of(weights, i);
  }
  op.validation_attack_recall = op.validation_attack_rows > 0 ? caught / op.validation_attack_rows : 0.0;
  return op;
}

}  // namespace attune::inference
