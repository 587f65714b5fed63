#include "models/dropout.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "data/errors.h"

namespace attune::models {
namespace {

// Elements drawn for the keep-rate checks: the rate's standard error is sqrt(p (1 - p) / n) ~ 3e-4.
constexpr int64_t kDraws = 1 << 20;

// Every element is 0 or 1/(1-p), and about 1-p of them are kept, in fp32 and bf16; adjacent elements
// (two halves of one 64-bit word) are independent.
TEST(Dropout, MaskKeepRateAndScale) {
  for (const double p : {0.1, 0.5}) {
    for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
      const auto mask = dropout_mask({kDraws}, p, /*seed=*/42, dtype).to(torch::kFloat);
      const float scale = torch::scalar_tensor(1.0 / (1.0 - p), torch::kFloat).to(dtype).item<float>();
      const auto kept = mask.ne(0);
      EXPECT_TRUE(torch::logical_or(mask.eq(0), mask.eq(scale)).all().item<bool>()) << p;
      const double rate = kept.to(torch::kDouble).mean().item<double>();
      EXPECT_NEAR(rate, 1.0 - p, 0.002) << "p " << p;
      const auto pairs = kept.view({-1, 2});
      const double both =
          torch::logical_and(pairs.select(1, 0), pairs.select(1, 1)).to(torch::kDouble).mean().item<double>();
      EXPECT_NEAR(both, (1.0 - p) * (1.0 - p), 0.003) << "p " << p;
    }
  }
}

// The mask is a function of the seed alone: same seed, same mask; any thread count, same mask.
TEST(Dropout, MaskDependsOnSeedOnly) {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = dropout_mask({3, 70001}, 0.1, /*seed=*/7, torch::kFloat);
  at::set_num_threads(4);
  const auto four = dropout_mask({3, 70001}, 0.1, /*seed=*/7, torch::kFloat);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, four));
  EXPECT_FALSE(torch::equal(one, dropout_mask({3, 70001}, 0.1, /*seed=*/8, torch::kFloat)));
}

// Training: the output is x * mask for the seed drawn from torch's generator, so torch::manual_seed makes a
// run repeat; each call draws a new mask; the gradient is the mask.
TEST(Dropout, TrainingIsXTimesMaskWithGradientMask) {
  auto x = torch::randn({4, 9, 16}).requires_grad_(true);
  torch::manual_seed(5);
  const auto y = fast_dropout(x, 0.2, /*training=*/true);
  const auto again = fast_dropout(x, 0.2, /*training=*/true);
  torch::manual_seed(5);
  const auto mask = dropout_mask(x.sizes(), 0.2, draw_dropout_seed(), torch::kFloat);
  EXPECT_TRUE(torch::equal(y, x.detach() * mask));
  EXPECT_FALSE(torch::equal(y, again));
  y.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), mask));
  // bf16 input: a bf16 mask, bf16 output.
  EXPECT_EQ(fast_dropout(x.detach().to(torch::kBFloat16), 0.2, true).scalar_type(), torch::kBFloat16);
}

// Eval mode (and p == 0) is the identity: the very same tensor. p == 1 zeroes; p outside [0, 1] is an error.
TEST(Dropout, EvalIsIdentityAndEdgeProbabilities) {
  FastDropout dropout(0.3);
  const auto x = torch::randn({5, 6});
  dropout->eval();
  EXPECT_TRUE(dropout(x).is_same(x));
  dropout->train();
  EXPECT_FALSE(torch::equal(dropout(x), x));
  EXPECT_TRUE(fast_dropout(x, 0.0, /*training=*/true).is_same(x));
  EXPECT_TRUE(torch::equal(fast_dropout(x, 1.0, /*training=*/true), torch::zeros_like(x)));
  EXPECT_THROW(FastDropout(1.5), InputError);
  EXPECT_THROW(fast_dropout(x, -0.1, true), InputError);
  EXPECT_TRUE(dropout->named_parameters().is_empty());
}

}  // namespace
}  // namespace attune::models
