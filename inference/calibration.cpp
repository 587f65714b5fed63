#include "inference/calibration.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace attune::inference {

namespace {

// 1 / golden ratio: each step keeps this share of the bracket.
const double kInverseGolden = (std::sqrt(5.0) - 1.0) / 2.0;

void check_sizes(const torch::Tensor& logits, const std::vector<int64_t>& labels,
                 const std::vector<double>& weights) {
  if (logits.dim() != 2 || logits.size(0) != static_cast<int64_t>(labels.size()) ||
      (!weights.empty() && weights.size() != labels.size()))
    throw std::invalid_argument("temperature scaling: logits " + std::to_string(logits.dim()) + "-D with " +
                                std::to_string(logits.dim() ? logits.size(0) : 0) + " rows for " +
                                std::to_string(labels.size()) + " labels and " +
                                std::to_string(weights.size()) + " weights");
}

}  // namespace

double temperature_nll(const torch::Tensor& logits, const std::vector<int64_t>& labels,
                       const std::vector<double>& weights, double temperature) {
  check_sizes(logits, labels, weights);
  const auto z = logits.to(torch::kFloat64) / temperature;                       // [N, C]
  const auto y = torch::tensor(labels, torch::kInt64).unsqueeze(1);              // [N, 1]
  const auto log_p = torch::log_softmax(z, /*dim=*/-1).gather(1, y).squeeze(1);  // [N]
  if (weights.empty()) return -log_p.mean().item<double>();
  const auto w = torch::tensor(weights, torch::kFloat64);  // [N]
  return -(log_p * w).sum().item<double>() / w.sum().item<double>();
}

TemperatureFit fit_temperature(const torch::Tensor& logits, const std::vector<int64_t>& labels,
                               const std::vector<double>& weights) {
  check_sizes(logits, labels, weights);
  TemperatureFit fit;
  if (labels.empty()) return fit;
  const auto z = logits.to(torch::kFloat64);
  auto f = [&](double log_t) { return temperature_nll(z, labels, weights, std::exp(log_t)); };
  double lo = std::log(kMinTemperature), hi = std::log(kMaxTemperature);
  double a = hi - kInverseGolden * (hi - lo), b = lo + kInverseGolden * (hi - lo);
  double fa = f(a), fb = f(b);
  while (hi - lo > kLogTemperatureTolerance) {
    if (fa <= fb) {  // the minimum lies in [lo, b]
      hi = b, b = a, fb = fa;
      a = hi - kInverseGolden * (hi - lo), fa = f(a);
    } else {  // in [a, hi]
      lo = a, a = b, fa = fb;
      b = lo + kInverseGolden * (hi - lo), fb = f(b);
    }
  }
  const double log_t = (lo + hi) / 2;
  fit.temperature = std::exp(log_t);
  fit.nll_before = f(0.0);
  fit.nll_after = f(log_t);
  fit.at_bound = log_t - std::log(kMinTemperature) < 2 * kLogTemperatureTolerance ||
                 std::log(kMaxTemperature) - log_t < 2 * kLogTemperatureTolerance;
  return fit;
}

}  // namespace attune::inference
