#include "models/linear.h"

#include <gtest/gtest.h>

#include "models/autocast.h"
#include "models/fast_paths.h"

namespace attune::models {

// A Linear without an adapter computes exactly torch's linear; with one, it adds the adapter's delta.
TEST(Linear, MatchesTorchLinearAndAddsAdapterDelta) {
  torch::manual_seed(0);
  Linear lin(/*in_features=*/5, /*out_features=*/3);
  auto x = torch::randn({2, 4, 5});
  auto expected = torch::matmul(x, lin->weight.t()) + lin->bias;
  EXPECT_TRUE(torch::allclose(lin(x), expected, /*rtol=*/1e-6, /*atol=*/1e-6));

  struct Doubler : LinearAdapter {
    bool active() const override { return true; }
    torch::Tensor delta(const torch::Tensor& x) override {
      return x.sum(-1, /*keepdim=*/true).expand({-1, -1, 3});
    }
  };
  lin->adapter = std::make_shared<Doubler>();
  EXPECT_TRUE(torch::allclose(lin(x), expected + x.sum(-1, true), 1e-6, 1e-6));
  EXPECT_EQ(lin->named_parameters().size(), 2u);
}

// Under bf16 autocast the product is bf16 and the bias is added as bf16 (Python's F.linear under
// torch.autocast casts the bias too), for a frozen weight (the cached cast) and a trained one alike; the
// bias's gradient arrives in fp32.
TEST(Linear, Bf16AutocastAddsTheBf16BiasToTheBf16Product) {
  torch::manual_seed(1);
  for (const bool frozen : {true, false}) {
    Linear lin(/*in_features=*/16, /*out_features=*/24);
    lin->weight.set_requires_grad(!frozen);
    const auto x = torch::randn({2, 3, 16});
    torch::Tensor y;
    {
      CpuAutocast autocast;
      y = lin(x);
    }
    const auto expected =
        torch::matmul(x.to(torch::kBFloat16), lin->weight.detach().to(torch::kBFloat16).t()) +
        lin->bias.detach().to(torch::kBFloat16);
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(y, expected)) << (frozen ? "frozen" : "trained") << " weight";
    y.to(torch::kFloat).sum().backward();
    ASSERT_TRUE(lin->bias.grad().defined());
    EXPECT_EQ(lin->bias.grad().scalar_type(), torch::kFloat);
    EXPECT_TRUE(torch::allclose(lin->bias.grad(), torch::full({24}, 6.0)));
  }
}

// Three layers reading one input run as one product where no gradient is taken: the same values as each
// layer alone (each output element is the same dot product), the stack rebuilt when a weight changes, and
// nothing fused under autograd, in fp32, or when switched off. Through packed products and torch's alike.
TEST(FusedLinears, StackedProductEqualsEachLayerAndFollowsUpdates) {
  for (const bool packed : {true, false}) {
    SCOPED_TRACE(packed ? "packed products" : "torch's products");
    ScopedFastPaths packing(&FastPaths::packed_linears, packed);
    torch::manual_seed(3);
    Linear q(64, 48), k(64, 48), v(64, 32);
    for (auto* l : {&q, &k, &v}) (*l)->weight.set_requires_grad(false);
    FusedLinears fused;
    const auto x = torch::randn({2, 5, 64});
    auto check = [&](const char* when) {
      torch::NoGradGuard no_grad;
      CpuAutocast autocast;
      const auto out = fused.forward({q.get(), k.get(), v.get()}, x);
      ASSERT_EQ(out.size(), 3u) << when;
      EXPECT_TRUE(torch::equal(out[0], q(x))) << when;
      EXPECT_TRUE(torch::equal(out[1], k(x))) << when;
      EXPECT_TRUE(torch::equal(out[2], v(x))) << when;
      EXPECT_EQ(out[2].sizes(), (std::vector<int64_t>{2, 5, 32})) << when;
    };
    check("first build");
    {
      torch::NoGradGuard no_grad;
      k->weight.mul_(0.5);
      v->bias.add_(1.0);
    }
    check("after k's weight and v's bias changed");
    {
      CpuAutocast autocast;
      EXPECT_TRUE(fused.forward({q.get(), k.get(), v.get()}, x).empty()) << "autograd on";
    }
    {
      torch::NoGradGuard no_grad;
      EXPECT_TRUE(fused.forward({q.get(), k.get(), v.get()}, x).empty()) << "fp32: no autocast";
      CpuAutocast autocast;
      ScopedFastPaths unfused(&FastPaths::fused_linears, false);
      EXPECT_TRUE(fused.forward({q.get(), k.get(), v.get()}, x).empty()) << "switched off";
    }
  }
}

}  // namespace attune::models
