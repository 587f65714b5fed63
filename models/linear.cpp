#include "models/linear.h"

#include <cmath>

namespace attune::models {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
  // torch.nn.Linear's init: kaiming_uniform(a=sqrt(5)) on the weight, U(-1/sqrt(in), 1/sqrt(in)) on the bias.
  weight = register_parameter("weight", torch::empty({out, in}));
  torch::nn::init::kaiming_uniform_(weight, /*a=*/std::sqrt(5.0));
  if (with_bias) {
    const double bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
    bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
  }
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) { return torch::nn::functional::linear(x, weight, bias); }

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  auto y = base_forward(x);
  if (adapter) y = y + adapter->delta(x);
  return y;
}

}  // namespace attune::models
