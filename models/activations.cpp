#include "models/activations.h"

#include <limits>

#include "data/errors.h"

namespace attune::models {

bool is_supported_activation(const std::string& name) {
  return name == "gelu" || name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh" ||
         name == "relu" || name == "silu" || name == "swish" || name == "tanh";
}

torch::Tensor activation(const std::string& name, const torch::Tensor& x) {
  if (name == "gelu") return torch::gelu(x);
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh")
    return torch::gelu(x, /*approximate=*/"tanh");
  if (name == "relu") return torch::relu(x);
  if (name == "silu" || name == "swish") return torch::silu(x);
  if (name == "tanh") return torch::tanh(x);
  throw InputError("hidden_act \"" + name + "\" is not supported (expected one of " + kSupportedActivations +
                   ")");
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
