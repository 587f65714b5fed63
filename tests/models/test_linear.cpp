#include "models/linear.h"

#include <gtest/gtest.h>

namespace attune::models {

// A Linear without an adapter computes exactly torch's linear; with one, it adds the adapter's delta.
TEST(Linear, MatchesTorchLinearAndAddsAdapterDelta) {
  torch::manual_seed(0);
  Linear lin(/*in_features=*/5, /*out_features=*/3);
  auto x = torch::randn({2, 4, 5});
  auto expected = torch::matmul(x, lin->weight.t()) + lin->bias;
  EXPECT_TRUE(torch::allclose(lin(x), expected, /*rtol=*/1e-6, /*atol=*/1e-6));

  struct Doubler : LinearAdapter {
    torch::Tensor delta(const torch::Tensor& x) override { return x.sum(-1, /*keepdim=*/true).expand({-1, -1, 3}); }
  };
  lin->adapter = std::make_shared<Doubler>();
  EXPECT_TRUE(torch::allclose(lin(x), expected + x.sum(-1, true), 1e-6, 1e-6));
  EXPECT_EQ(lin->named_parameters().size(), 2u);
}

}  // namespace attune::models
