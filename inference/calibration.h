// Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017): one temperature T > 0
// such that softmax(logits / T) minimizes the (sample-weighted) mean negative log-likelihood of held-out
// labels. Dividing by T keeps every argmax, so only the probabilities change.
//
// The NLL is convex in 1/T (a log-sum-exp of functions linear in 1/T minus a linear one), hence unimodal
// in log T, which is searched by golden section over [log kMinTemperature, log kMaxTemperature] until the
// bracket is narrower than kLogTemperatureTolerance. Data the model separates perfectly has no finite
// optimum (the NLL falls as T -> 0): the search then ends at the bound, and the fit says so.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace attune::inference {

// The search range of T and the width in log T at which the search stops (a relative 1e-4 in T).
inline constexpr double kMinTemperature = 0.01;
inline constexpr double kMaxTemperature = 100.0;
inline constexpr double kLogTemperatureTolerance = 1e-4;

struct TemperatureFit {
  double temperature = 1.0;
  double nll_before = std::numeric_limits<double>::quiet_NaN();  // at T = 1
  double nll_after = std::numeric_limits<double>::quiet_NaN();   // at the fitted T
  bool at_bound = false;  // the optimum lies at the edge of the search range
};

// The weighted mean NLL of softmax(logits / temperature) in float64. logits: [N, C]; labels: [N] class ids;
// weights: empty (each row 1) or [N] >= 0.
double temperature_nll(const torch::Tensor& logits, const std::vector<int64_t>& labels,
                       const std::vector<double>& weights, double temperature);

// Fits T on held-out logits ([N, C], float32 or wider). No rows: T = 1. std::invalid_argument when the sizes
// disagree.
TemperatureFit fit_temperature(const torch::Tensor& logits, const std::vector<int64_t>& labels,
                               const std::vector<double>& weights = {});

}  // namespace attune::inference
