#include "models/packed_linear.h"

#include <gtest/gtest.h>

#include "models/activations.h"
#include "models/autocast.h"
#include "models/fast_paths.h"
#include "models/linear.h"

namespace attune::models {

namespace {

// Skips a test where oneDNN has no packed bf16 product to offer (no bf16 instructions on this CPU).
#define SKIP_WITHOUT_PACKED_PRODUCTS() \
  if (!packed_linears_native())        \
  GTEST_SKIP() << "oneDNN runs bf16 products emulated on this CPU: Linears do not pack weights here"

// The fp32 reference for bf16 operands: act(x Wᵀ + b) summed in fp64 from the bf16 values.
torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                        const std::string& act) {
  auto y = torch::matmul(x.to(torch::kDouble), w.to(torch::kDouble).t());
  if (b.defined()) y = y + b.to(torch::kDouble);
  return act.empty() ? y : activation(act, y);
}

// Largest |y - ref| over the bf16 rounding of ref (half an ulp is 2^-9 of |ref|): 1 means y is ref rounded
// once, up to the fp32 sum's own error.
double ulps_off(const torch::Tensor& y, const torch::Tensor& ref) {
  const auto r = ref.to(torch::kDouble);
  const auto ulp = r.abs().clamp_min(1e-3) * std::ldexp(1.0, -8);
  return ((y.to(torch::kDouble) - r).abs() / ulp).max().item<double>();
}

}  // namespace

// The packed product is act(x Wᵀ + b) summed in fp32 and rounded to bf16 once: within one bf16 ulp of the
// exact value, for inputs of any rank and strides, with and without a bias, for each fused activation,
// and for row counts the product has not seen before.
TEST(PackedLinear, ProductIsTheExactValueRoundedOnce) {
  SKIP_WITHOUT_PACKED_PRODUCTS();
  torch::manual_seed(11);
  const auto w = (torch::randn({96, 80}) * 0.1).to(torch::kBFloat16);
  const auto b = torch::randn({96}).to(torch::kBFloat16);
  for (const bool with_bias : {true, false}) {
    const PackedBf16Linear packed(w, with_bias ? b : torch::Tensor());
    EXPECT_EQ(packed.in_features(), 80);
    EXPECT_EQ(packed.out_features(), 96);
    for (const int64_t rows : {1, 7, 33}) {
      const auto x = torch::randn({rows, 2, 80}).to(torch::kBFloat16);
      for (const std::string act : {"", "gelu", "gelu_new", "relu", "silu", "tanh"}) {
        const auto y = packed.forward(x, act);
        ASSERT_EQ(y.scalar_type(), torch::kBFloat16);
        ASSERT_EQ(y.sizes(), (std::vector<int64_t>{rows, 2, 96}));
        EXPECT_LE(ulps_off(y, reference(x, w, with_bias ? b : torch::Tensor(), act)), 1.0)
            << "rows " << rows << ", act \"" << act << "\", bias " << with_bias;
      }
    }
    const auto strided = torch::randn({80, 5}).to(torch::kBFloat16).t();  // [5, 80], not contiguous
    EXPECT_LE(ulps_off(packed.forward(strided), reference(strided, w, with_bias ? b : torch::Tensor(), "")),
              1.0);
  }
  EXPECT_EQ(PackedBf16Linear(w, b).forward(torch::empty({0, 80}, torch::kBFloat16)).sizes(),
            (std::vector<int64_t>{0, 96}));
  EXPECT_THROW(PackedBf16Linear(w, b).forward(torch::randn({2, 80})), std::invalid_argument) << "fp32 input";
  EXPECT_THROW(PackedBf16Linear(w.to(torch::kFloat), b), std::invalid_argument) << "fp32 weight";
  EXPECT_THROW(PackedBf16Linear(w, b).forward(torch::randn({2, 80}).to(torch::kBFloat16), "mish"),
               std::invalid_argument);
}

// A Linear infers through its packed copy (bf16 autocast, no autograd), with the adapter-free weight or
// the folded one, follows in-place updates of its weight and bias, and computes what the packed copy of
// its current bf16 weight and bias computes; with packing off it takes torch's path, close to it.
TEST(PackedLinear, LinearInfersPackedAndFollowsUpdates) {
  SKIP_WITHOUT_PACKED_PRODUCTS();
  torch::manual_seed(12);
  Linear lin(64, 48);
  const auto x = torch::randn({3, 4, 64});
  torch::NoGradGuard no_grad;
  CpuAutocast autocast;
  auto expect_packed = [&](const char* when) {
    const auto before = packed_products_count();
    const auto y = lin->forward_activated(x, "gelu");
    EXPECT_EQ(packed_products_count() - before, 1u) << when;
    const auto w = lin->weight.to(torch::kBFloat16), b = lin->bias.to(torch::kBFloat16);
    EXPECT_TRUE(torch::equal(y, PackedBf16Linear(w, b).forward(x.to(torch::kBFloat16), "gelu"))) << when;
    const auto torch_path = [&] {
      ScopedFastPaths unpacked(&FastPaths::packed_linears, false);
      return lin->forward_activated(x, "gelu");
    }();
    const auto ref = reference(x.to(torch::kBFloat16), w, b, "gelu");
    EXPECT_LE(ulps_off(y, ref), 1.0) << when;
    // torch's path rounds the product, adds the bias and rounds again, then applies the activation: close,
    // but not one rounding of the exact value.
    EXPECT_TRUE(torch::allclose(torch_path.to(torch::kDouble), ref, /*rtol=*/1e-2, /*atol=*/1e-2)) << when;
  };
  expect_packed("first call");
  lin->weight.mul_(-0.5);
  expect_packed("after the weight changed in place");
  lin->bias.add_(0.25);
  expect_packed("after the bias changed in place");
  lin->weight.set_data(torch::randn({48, 64}));
  expect_packed("after the weight was replaced");
}

// Training does not use (or keep) the packed copy: under autograd the Linear is torch's bf16 product, and
// the next inference packs the weight as it is then.
TEST(PackedLinear, AutogradTakesTorchsPathAndInferenceRepacks) {
  SKIP_WITHOUT_PACKED_PRODUCTS();
  torch::manual_seed(13);
  Linear lin(32, 16);
  lin->weight.set_requires_grad(false);
  const auto x = torch::randn({5, 32});
  CpuAutocast autocast;
  auto before = packed_products_count();
  {
    torch::NoGradGuard no_grad;
    lin(x);
  }
  EXPECT_EQ(packed_products_count() - before, 1u);
  before = packed_products_count();
  auto y = lin(x);
  EXPECT_EQ(packed_products_count(), before) << "autograd on: torch's path";
  y.to(torch::kFloat).sum().backward();
  EXPECT_TRUE(lin->bias.grad().defined());
  torch::NoGradGuard no_grad;
  lin->bias.add_(1.0);
  const auto b = lin->bias.to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(
      lin(x), PackedBf16Linear(lin->weight.to(torch::kBFloat16), b).forward(x.to(torch::kBFloat16))));
}

}  // namespace attune::models
