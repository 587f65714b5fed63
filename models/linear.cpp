#include "models/linear.h"

#include <ATen/autocast_mode.h>

#include <atomic>
#include <cmath>

#include "models/autocast.h"

namespace attune::models {

namespace {
std::atomic<bool> g_bf16_weight_cache{true};
std::atomic<bool> g_fused_linears{true};
std::atomic<uint64_t> g_fused_count{0};

// x Wᵀ (+ b) with a bf16 weight `w` [out, in] and bf16 bias `b` (undefined: none): the formula of Python's
// F.linear under torch.autocast, with the bias added to the rounded bf16 product in place.
// torch::nn::functional::linear added an fp32 bias instead, which promoted the whole product to fp32 and
// back (three passes); aten::linear's addmm (which adds the bias before its one rounding) is ~20 % slower
// than the bare product for 768x3072 here (oneDNN through torch 1.13).
torch::Tensor bf16_linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  auto y = torch::matmul(autocast_input(x), w.t());
  if (b.defined()) y.add_(b);
  return y;
}
}  // namespace

uint64_t fused_linears_count() {
  return g_fused_count;
}

void set_fused_linears(bool enabled) {
  g_fused_linears = enabled;
}
bool fused_linears_enabled() {
  return g_fused_linears;
}

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

SourceStamp::SourceStamp(const torch::Tensor& t)
    : storage_(t.storage()), data_(t.data_ptr()), version_(t._version()), sizes_(t.sizes().vec()) {}

bool SourceStamp::matches(const torch::Tensor& t) const {
  return storage_ && t.defined() && t.storage().unsafeGetStorageImpl() == storage_.unsafeGetStorageImpl() &&
         t.data_ptr() == data_ && t._version() == version_ && t.sizes() == c10::IntArrayRef(sizes_);
}

torch::Tensor LinearImpl::bf16_weight(const LinearAdapter* fold) {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  const auto inputs = fold ? fold->fold_inputs() : std::vector<torch::Tensor>{};
  auto key = fold ? fold->fold_key() : std::vector<uint64_t>{};
  bool current = bf16_cache_.defined() && cache_weight_.matches(weight) &&
                 cache_folded_ == (fold != nullptr) && cache_fold_key_ == key &&
                 cache_fold_inputs_.size() == inputs.size();
  for (size_t i = 0; current && i < inputs.size(); ++i) current = cache_fold_inputs_[i].matches(inputs[i]);
  if (!current) {
    torch::NoGradGuard no_grad;
    bf16_cache_.reset();  // the old copy goes before the new one is made
    // Folded: peft::merge_lora's arithmetic (fp32 W + D, in W's dtype), then autocast's cast.
    bf16_cache_ =
        fold ? (weight.to(torch::kFloat) + fold->weight_delta()).to(weight.scalar_type()).to(torch::kBFloat16)
             : weight.to(torch::kBFloat16);
    cache_weight_ = SourceStamp(weight);
    cache_folded_ = fold != nullptr;
    cache_fold_inputs_.clear();
    for (const auto& t : inputs) cache_fold_inputs_.emplace_back(t);
    cache_fold_key_ = std::move(key);
  }
  return bf16_cache_;
}

torch::Tensor LinearImpl::bf16_bias() {
  if (!bias.defined()) return {};
  if (bias.requires_grad() && torch::GradMode::is_enabled()) return bias.to(torch::kBFloat16);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (!bf16_bias_cache_.defined() || !cache_bias_.matches(bias)) {
    torch::NoGradGuard no_grad;
    bf16_bias_cache_ = bias.to(torch::kBFloat16);
    cache_bias_ = SourceStamp(bias);
  }
  return bf16_bias_cache_;
}

torch::Tensor LinearImpl::inference_bf16_weight() {
  // Without autograd requires_grad does not matter (a trained or loaded model infers with its weights as
  // they are); the stamps see any update.
  if (torch::GradMode::is_enabled() || !g_bf16_weight_cache || !uses_bf16_autocast()) return {};
  if (!adapter || !adapter->active()) return bf16_weight();
  return adapter->foldable() ? bf16_weight(adapter.get()) : torch::Tensor();
}

bool LinearImpl::uses_bf16_autocast() const {
  return at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16 &&
         weight.scalar_type() == torch::kFloat && weight.device().is_cpu();
}

torch::Tensor LinearImpl::bf16_product(const torch::Tensor& x, const torch::Tensor& w) {
  return bf16_linear(x, w, bf16_bias());
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) {
  if (!uses_bf16_autocast()) return torch::linear(x, weight, bias);
  // A weight no gradient reaches uses the copy cast once (autocast's own cast cache keeps only leaves that
  // require grad, so it would cast it anew on every call); same values as autocast's cast.
  const bool cached = g_bf16_weight_cache && (!weight.requires_grad() || !torch::GradMode::is_enabled());
  return bf16_product(x, cached ? bf16_weight() : weight.to(torch::kBFloat16));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  // No gradient taken, bf16 autocast: one bf16 product, an adapter folded into the cached weight, so the
  // layer computes exactly what its merged export computes.
  if (const auto w = inference_bf16_weight(); w.defined()) return bf16_product(x, w);
  if (!adapter || !adapter->active()) return base_forward(x);
  return base_forward(x) + adapter->delta(x);
}

std::vector<torch::Tensor> FusedLinears::forward(const std::vector<LinearImpl*>& layers,
                                                 const torch::Tensor& x) {
  if (!g_fused_linears || layers.empty()) return {};
  if (torch::GradMode::is_enabled()) {  // training: free the stack (and the copies it holds) until inference
    std::lock_guard<std::mutex> lock(mutex_);
    weight_ = bias_ = torch::Tensor();
    parts_.clear();
    return {};
  }
  std::vector<torch::Tensor> weights, biases;
  for (auto* layer : layers) {
    auto w = layer->inference_bf16_weight();
    if (!w.defined() || w.size(1) != x.size(-1) || layer->bias.defined() != layers.front()->bias.defined())
      return {};
    weights.push_back(std::move(w));
    if (layer->bias.defined()) biases.push_back(layer->bf16_bias());
  }
  std::vector<torch::Tensor> parts = weights;
  parts.insert(parts.end(), biases.begin(), biases.end());
  torch::Tensor weight, bias;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The layers replace their copies when they change, and parts_ holds the ones the stack was built from,
    // so identity says whether it is current.
    bool current = parts_.size() == parts.size();
    for (size_t i = 0; current && i < parts.size(); ++i) current = parts_[i].is_same(parts[i]);
    if (!current) {
      torch::NoGradGuard no_grad;
      weight_ = torch::cat(weights, 0);
      bias_ = biases.empty() ? torch::Tensor() : torch::cat(biases, 0);
      parts_ = std::move(parts);
    }
    weight = weight_;
    bias = bias_;
  }
  ++g_fused_count;
  const auto y = bf16_linear(x, weight, bias);  // [..., sum of out]
  std::vector<torch::Tensor> out;
  int64_t offset = 0;
  for (const auto& w : weights) {
    out.push_back(y.narrow(-1, offset, w.size(0)));
    offset += w.size(0);
  }
  return out;
}

}  // namespace attune::models
