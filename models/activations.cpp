#include "models/activations.h"

#include <limits>

#include "base/errors.h"

namespace attune::models {

std::optional<ActivationKind> find_activation(const std::string& name) {
  if (name == "gelu") return ActivationKind::kGeluErf;
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh")
    return ActivationKind::kGeluTanh;
  if (name == "relu") return ActivationKind::kRelu;
  if (name == "silu" || name == "swish") return ActivationKind::kSilu;
  if (name == "tanh") return ActivationKind::kTanh;
  return std::nullopt;
}

bool is_supported_activation(const std::string& name) {
  return find_activation(name).has_value();
}

torch::Tensor activation(const std::string& name, const torch::Tensor& x) {
  const auto kind = find_activation(name);
  if (!kind)
    throw InputError("hidden_act \"" + name + "\" is not supported (expected one of " +
                     kSupportedActivations + ")");
  switch (*kind) {
    case ActivationKind::kGeluErf:
      return torch::gelu(x);
    case ActivationKind::kGeluTanh:
      return torch::gelu(x, /*approximate=*/"tanh");
    case ActivationKind::kRelu:
      return torch::relu(x);
    case ActivationKind::kSilu:
      return torch::silu(x);
    case ActivationKind::kTanh:
      return torch::tanh(x);
  }
  return x;  // not reached: every kind is handled above
}

torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype) {
  double min_value = std::numeric_limits<float>::lowest();
  if (dtype == torch::kDouble) min_value = std::numeric_limits<double>::lowest();
  if (dtype == torch::kBFloat16)
    min_value = static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
  if (dtype == torch::kHalf) min_value = static_cast<double>(std::numeric_limits<c10::Half>::lowest());
  auto m = attention_mask.to(dtype).unsqueeze(1).unsqueeze(2);  // [B, 1, 1, T]
  return (1.0 - m) * min_value;
}

}  // namespace attune::models
