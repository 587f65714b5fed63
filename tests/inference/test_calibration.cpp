// inference/calibration.{h,cpp}: the NLL of softmax(logits / T) against a hand computation, and the fit
// recovering the temperature that generated synthetic labels.
#include "inference/calibration.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attune::inference {
namespace {

// Labels drawn from softmax(logits / true_t): the fit on those logits must find true_t again.
struct Synthetic {
  torch::Tensor logits;  // [N, C]
  std::vector<int64_t> labels;
};

Synthetic synthetic(int64_t n, int64_t c, double true_t, uint64_t seed) {
  torch::manual_seed(seed);
  Synthetic s;
  s.logits = torch::randn({n, c}, torch::kFloat64) * 3.0;
  const auto drawn = torch::multinomial(torch::softmax(s.logits / true_t, -1), 1).squeeze(1).contiguous();
  s.labels.assign(drawn.data_ptr<int64_t>(), drawn.data_ptr<int64_t>() + n);
  s.logits = s.logits.to(torch::kFloat32);
  return s;
}

TEST(Calibration, NllMatchesAHandComputation) {
  const auto logits = torch::tensor({{2.0f, 0.0f}, {0.0f, 1.0f}});
  // At T = 2: -log softmax([1, 0])[0] = log(1 + e^-1); -log softmax([0, 0.5])[1] = log(1 + e^-0.5).
  const double expected = (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(-0.5))) / 2;
  EXPECT_NEAR(temperature_nll(logits, {0, 1}, {}, 2.0), expected, 1e-12);
  // Weights 3 and 1.
  const double weighted = (3 * std::log1p(std::exp(-1.0)) + std::log1p(std::exp(-0.5))) / 4;
  EXPECT_NEAR(temperature_nll(logits, {0, 1}, {3.0, 1.0}, 2.0), weighted, 1e-12);
  EXPECT_THROW(temperature_nll(logits, {0}, {}, 1.0), std::invalid_argument);
}

TEST(Calibration, FitRecoversTheGeneratingTemperature) {
  for (const double true_t : {0.5, 1.0, 2.5}) {
    const auto s = synthetic(/*n=*/20000, /*c=*/4, true_t, /*seed=*/7);
    const auto fit = fit_temperature(s.logits, s.labels);
    EXPECT_NEAR(fit.temperature, true_t, 0.02 * true_t) << "true T " << true_t;
    EXPECT_FALSE(fit.at_bound);
    EXPECT_LE(fit.nll_after, fit.nll_before + 1e-12);
    // A minimum: a step of 1 % either way costs NLL.
    for (const double step : {0.99, 1.01})
      EXPECT_GT(temperature_nll(s.logits, s.labels, {}, fit.temperature * step), fit.nll_after);
  }
}

TEST(Calibration, WeightsCountLikeRepeatedRows) {
  const auto s = synthetic(/*n=*/3000, /*c=*/3, /*true_t=*/1.7, /*seed=*/3);
  // Weight 2 on the first 1,000 rows == those rows twice.
  std::vector<double> weights(3000, 1.0);
  std::fill(weights.begin(), weights.begin() + 1000, 2.0);
  auto labels = s.labels;
  labels.insert(labels.end(), s.labels.begin(), s.labels.begin() + 1000);
  const auto repeated = torch::cat({s.logits, s.logits.slice(0, 0, 1000)});
  EXPECT_NEAR(fit_temperature(s.logits, s.labels, weights).temperature,
              fit_temperature(repeated, labels).temperature, 1e-3);
}

TEST(Calibration, SeparableDataEndsAtTheBoundAndNoRowsKeepOne) {
  const auto logits = torch::tensor({{5.0f, -5.0f}, {-5.0f, 5.0f}, {4.0f, 0.0f}});
  const auto fit = fit_temperature(logits, {0, 1, 0});
  EXPECT_TRUE(fit.at_bound);
  EXPECT_NEAR(fit.temperature, kMinTemperature, kMinTemperature * 1e-3);
  EXPECT_EQ(fit_temperature(torch::zeros({0, 3}), {}).temperature, 1.0);
}

}  // namespace
}  // namespace attune::inference
