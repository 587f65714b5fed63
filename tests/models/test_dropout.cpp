#include "models/dropout.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <limits>

#include "base/errors.h"
#include "models/fast_paths.h"

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

// The fused path equals the materialized one in bf16 too (x * mask rounds once per element either way), on
// a non-contiguous input, for the gradient as well: the backward redraws exactly the forward's mask.
TEST(Dropout, FusedMultiplyMatchesMaskInBf16AndNonContiguous) {
  auto x = torch::randn({6, 5, 33}).to(torch::kBFloat16).transpose(0, 2).requires_grad_(true);
  torch::manual_seed(11);
  const auto y = fast_dropout(x, 0.1, /*training=*/true);
  torch::manual_seed(11);
  const auto mask = dropout_mask(x.sizes(), 0.1, draw_dropout_seed(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(y, x.detach() * mask));
  const auto g = torch::randn(x.sizes()).to(torch::kBFloat16);
  y.backward(g);
  EXPECT_TRUE(torch::equal(x.grad(), g * mask));
  // Odd sizes over several parallel chunks (vector body and scalar tail), fp32 and bf16, with -0 and inf.
  for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
    auto big = torch::randn({3, 70001}).to(dtype);
    big.index_put_({0, 5}, -0.0);
    big.index_put_({1, 7}, std::numeric_limits<float>::infinity());
    torch::manual_seed(12);
    const auto out = fast_dropout(big, 0.3, /*training=*/true);
    torch::manual_seed(12);
    const auto expected = big * dropout_mask(big.sizes(), 0.3, draw_dropout_seed(), dtype);
    EXPECT_TRUE(torch::equal(out.isnan(), expected.isnan())) << dtype;
    EXPECT_TRUE(torch::equal(torch::nan_to_num(out), torch::nan_to_num(expected))) << dtype;
    EXPECT_TRUE(torch::equal(out.signbit(), expected.signbit())) << dtype;
  }
}

// dropout_linear is linear(fast_dropout(x), w): the same values and the same gradients for x and w, with the
// same draw from torch's generator, in fp32 and bf16, over a [B, T, in] input.
TEST(Dropout, DropoutLinearMatchesTheComposition) {
  for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
    const auto x0 = torch::randn({3, 7, 24}).to(dtype);
    const auto w0 = (torch::randn({5, 24}) * 0.2).to(dtype);
    const auto g = torch::randn({3, 7, 5}).to(dtype);
    auto x1 = x0.clone().requires_grad_(true), w1 = w0.clone().requires_grad_(true);
    auto x2 = x0.clone().requires_grad_(true), w2 = w0.clone().requires_grad_(true);
    torch::manual_seed(3);
    const auto fused = dropout_linear(x1, w1, 0.25, /*training=*/true);
    torch::manual_seed(3);
    const auto plain = torch::linear(x2 * dropout_mask(x2.sizes(), 0.25, draw_dropout_seed(), dtype), w2);
    EXPECT_TRUE(torch::equal(fused, plain)) << dtype;
    fused.backward(g);
    plain.backward(g);
    EXPECT_TRUE(torch::equal(x1.grad(), x2.grad())) << dtype;
    EXPECT_TRUE(torch::allclose(w1.grad().to(torch::kFloat), w2.grad().to(torch::kFloat), 1e-5, 1e-5))
        << dtype;
    // Only w trainable: no gradient for x is computed or stored.
    auto w3 = w0.clone().requires_grad_(true);
    dropout_linear(x0, w3, 0.25, true).backward(g);
    EXPECT_TRUE(w3.grad().defined());
  }
  // Eval mode: the plain linear.
  const auto x = torch::randn({4, 8}), w = torch::randn({3, 8});
  EXPECT_TRUE(torch::equal(dropout_linear(x, w, 0.5, /*training=*/false), torch::linear(x, w)));
}

// The reference path (FastPaths::fast_dropout off) is torch's dropout itself: the same draws from torch's
// generator, the same values and gradients; dropout_linear is linear(torch::dropout(x), w). The fast mask
// keeps the same fraction at the same scale (another random stream, so not the same elements).
TEST(Dropout, ReferencePathIsTorchDropout) {
  const auto x0 = torch::randn({64, 1024});
  const auto w = torch::randn({5, 1024});
  auto x1 = x0.clone().requires_grad_(true), x2 = x0.clone().requires_grad_(true);
  torch::Tensor reference, reference_linear;
  {
    ScopedFastPaths torch_dropout(&FastPaths::fast_dropout, false);
    torch::manual_seed(21);
    reference = fast_dropout(x1, 0.3, /*training=*/true);
    torch::manual_seed(21);
    reference_linear = dropout_linear(x0, w, 0.3, /*training=*/true);
  }
  torch::manual_seed(21);
  const auto expected = torch::dropout(x2, 0.3, /*train=*/true);
  EXPECT_TRUE(torch::equal(reference, expected));
  reference.sum().backward();
  expected.sum().backward();
  EXPECT_TRUE(torch::equal(x1.grad(), x2.grad()));
  torch::manual_seed(21);
  EXPECT_TRUE(torch::equal(reference_linear, torch::linear(torch::dropout(x0, 0.3, true), w)));

  torch::manual_seed(21);
  const auto fast = fast_dropout(x0, 0.3, /*training=*/true);
  EXPECT_FALSE(torch::equal(fast, reference)) << "the fast path draws its own mask";
  const auto kept = [&](const torch::Tensor& y) { return y.ne(0).to(torch::kDouble).mean().item<double>(); };
  EXPECT_NEAR(kept(fast), kept(reference), 0.01);
  const auto scale = [&](const torch::Tensor& y) {
    return (y / x0).masked_select(y.ne(0)).to(torch::kDouble).mean().item<double>();
  };
  EXPECT_NEAR(scale(fast), 1.0 / 0.7, 1e-5);
  EXPECT_NEAR(scale(reference), 1.0 / 0.7, 1e-5);
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
