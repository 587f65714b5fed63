#include "models/linear.h"

#include <ATen/autocast_mode.h>

#include <atomic>
#include <cmath>

#include "models/activations.h"
#include "models/autocast.h"
#include "models/fast_paths.h"

namespace attune::models {

namespace {
std::atomic<uint64_t> g_fused_count{0};

// x Wᵀ (+ b) with a bf16 weight `w` [out, in] and bf16 bias `b` (undefined: none): the formula of Python's
// F.linear under torch.autocast, with the bias added to the rounded bf16 product in place.
// torch::nn::functional::linear added an fp32 bias instead, which promoted the whole product to fp32 and
// back (three passes); aten::linear's addmm (which adds the bias before its one rounding) is slower than
// the bare product through torch 1.13's oneDNN path (docs/performance.md, tried and dropped).
torch::Tensor bf16_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  auto y = torch::matmul(autocast_input(x), w.t());
  if (b.defined()) y.add_(b);
  return y;
}
}  // namespace

uint64_t fused_linears_count() {
  return g_fused_count;
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

torch::Tensor LinearImpl::bf16_bias() {
  if (!bias.defined()) return {};
  if (bias.requires_grad() && torch::GradMode::is_enabled()) return bias.to(torch::kBFloat16);
  return cache_.bias();
}

bool LinearImpl::inference_product(const LinearAdapter** fold) const {
  // Without autograd requires_grad does not matter (a trained or loaded model infers with its weights as
  // they are); the stamps see any update.
  *fold = nullptr;
  if (torch::GradMode::is_enabled() || !fast_paths().bf16_weight_cache || !uses_bf16_autocast()) return false;
  if (!adapter || !adapter->active()) return true;
  *fold = adapter.get();
  return adapter->foldable();
}

torch::Tensor LinearImpl::inference_bf16_weight() {
  const LinearAdapter* fold = nullptr;
  return inference_product(&fold) ? cache_.weight(fold) : torch::Tensor();
}

std::array<uint64_t, 2> LinearImpl::inference_version() {
  const LinearAdapter* fold = nullptr;
  return inference_product(&fold) ? cache_.version(fold) : std::array<uint64_t, 2>{0, 0};
}

std::shared_ptr<const PackedBf16Linear> LinearImpl::inference_packed() {
  const LinearAdapter* fold = nullptr;
  if (!packed_linears_in_use() || !inference_product(&fold)) return nullptr;
  return cache_.packed(fold);
}

void LinearImpl::release_bf16_copy() {
  cache_.release_weight();
}

bool LinearImpl::uses_bf16_autocast() const {
  return at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16 &&
         weight.scalar_type() == torch::kFloat && weight.device().is_cpu();
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) {
  if (!uses_bf16_autocast()) return torch::linear(x, weight, bias);
  // A weight no gradient reaches uses the copy cast once (autocast's own cast cache keeps only leaves that
  // require grad, so it would cast it anew on every call); same values as autocast's cast.
  const bool cached =
      fast_paths().bf16_weight_cache && (!weight.requires_grad() || !torch::GradMode::is_enabled());
  return bf16_linear(x, cached ? cache_.weight(nullptr) : weight.to(torch::kBFloat16), bf16_bias());
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return forward_activated(x, "");
}

torch::Tensor LinearImpl::forward_activated(const torch::Tensor& x, const std::string& act) {
  // No gradient taken, bf16 autocast: one bf16 product, an adapter folded into the cached weight, so the
  // layer computes exactly what its merged export computes. Packed where oneDNN runs bf16 natively.
  if (torch::GradMode::is_enabled()) {
    cache_
        .release_packed();  // training: the packed copy waits for nothing (made again at the next inference)
  } else if (const auto packed = inference_packed()) {
    if (act.empty() || packed_activation_supported(act)) return packed->forward(autocast_input(x), act);
    return activation(act, packed->forward(autocast_input(x)));
  }
  auto y = [&] {
    if (const auto w = inference_bf16_weight(); w.defined()) return bf16_linear(x, w, bf16_bias());
    if (!adapter || !adapter->active()) return base_forward(x);
    return base_forward(x) + adapter->delta(x);
  }();
  return act.empty() ? y : activation(act, y);
}

std::vector<torch::Tensor> FusedLinears::forward(const std::vector<LinearImpl*>& layers,
                                                 const torch::Tensor& x) {
  if (!fast_paths().fused_linears || layers.empty()) return {};
  if (torch::GradMode::is_enabled()) {  // training: free the stack until inference
    std::lock_guard<std::mutex> lock(mutex_);
    weight_ = bias_ = torch::Tensor();
    packed_.reset();
    versions_.clear();
    return {};
  }
  std::vector<std::array<uint64_t, 2>> versions;
  for (auto* layer : layers) {
    const auto v = layer->inference_version();
    if (v[0] == 0 || layer->in_features != x.size(-1) ||
        layer->bias.defined() != layers.front()->bias.defined())
      return {};
    versions.push_back(v);
  }
  const bool pack = packed_linears_in_use();
  torch::Tensor weight, bias;
  std::shared_ptr<const PackedBf16Linear> packed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (versions_ != versions || (pack ? !packed_ : !weight_.defined())) {
      torch::NoGradGuard no_grad;
      weight_ = bias_ = torch::Tensor();
      packed_.reset();
      std::vector<torch::Tensor> weights, biases;
      for (auto* layer : layers) {
        weights.push_back(layer->inference_bf16_weight());
        if (layer->bias.defined()) biases.push_back(layer->bf16_bias());
      }
      weight_ = torch::cat(weights, 0);
      if (!biases.empty()) bias_ = torch::cat(biases, 0);
      if (pack) {
        packed_ = std::make_shared<const PackedBf16Linear>(weight_, bias_);
        weight_ = bias_ = torch::Tensor();
        for (auto* layer : layers) layer->release_bf16_copy();  // the stack serves them now
      }
      versions_ = std::move(versions);
    }
    weight = weight_;
    bias = bias_;
    packed = packed_;
  }
  ++g_fused_count;
  const auto y =
      packed ? packed->forward(autocast_input(x)) : bf16_linear(x, weight, bias);  // [..., sum out]
  std::vector<torch::Tensor> out;
  int64_t offset = 0;
  for (auto* layer : layers) {
    out.push_back(y.narrow(-1, offset, layer->out_features));
    offset += layer->out_features;
  }
  return out;
}

}  // namespace attune::models
