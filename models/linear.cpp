#include "models/linear.h"

#include <ATen/autocast_mode.h>

#include <atomic>
#include <cmath>

namespace attune::models {

namespace {
std::atomic<bool> g_bf16_weight_cache{true};
}  // namespace

void set_bf16_weight_cache(bool enabled) {
  g_bf16_weight_cache = enabled;
}
bool bf16_weight_cache_enabled() {
  return g_bf16_weight_cache;
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
  // torch.nn.Linear's init: kaiming_uniform(a=sqrt(5)) on the weight, U(-1/sqrt(in), 1/sqrt(in)) on the bias.
  weight = register_parameter("weight", torch::empty({out, in}));
  torch::nn::init::kaiming_uniform_(weight, /*a=*/std::sqrt(5.0));
  if (with_bias) {
    const double bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
    bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
  }
}

torch::Tensor LinearImpl::bf16_weight() {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const auto version = weight._version();
  if (!bf16_cache_.defined() || cache_version_ != version || cache_data_ != weight.data_ptr() ||
      bf16_cache_.sizes() != weight.sizes()) {
    torch::NoGradGuard no_grad;
    bf16_cache_ = weight.to(torch::kBFloat16);
    cache_version_ = version;
    cache_data_ = weight.data_ptr();
  }
  return bf16_cache_;
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) {
  // A frozen fp32 weight under bf16 autocast: autocast would cast it anew on every call (its cast cache
  // keeps only leaves that require grad); use the copy cast once. Same values as autocast's cast.
  if (g_bf16_weight_cache && at::autocast::is_cpu_enabled() &&
      at::autocast::get_autocast_cpu_dtype() == at::kBFloat16 && !weight.requires_grad() &&
      weight.scalar_type() == torch::kFloat && weight.device().is_cpu())
    return torch::nn::functional::linear(x, bf16_weight(), bias);
  return torch::nn::functional::linear(x, weight, bias);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  auto y = base_forward(x);
  if (adapter) y = y + adapter->delta(x);
  return y;
}

}  // namespace attune::models
