// Activation functions by their Hugging Face names (transformers/activations.py ACT2FN) and the additive
// attention mask the BERT-family encoders add to their attention scores.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>

namespace attune::models {

// The `hidden_act` names we implement, for error messages.
constexpr const char* kSupportedActivations =
    "gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, relu, silu, swish, tanh";

// The functions those names stand for (several names share one: "silu" and "swish", the three tanh-form
// GELU names).
enum class ActivationKind { kGeluErf, kGeluTanh, kRelu, kSilu, kTanh };

// The function a `hidden_act` name stands for; nullopt for names we do not implement.
std::optional<ActivationKind> find_activation(const std::string& name);

bool is_supported_activation(const std::string& name);

// ACT2FN[name](x): "gelu" is the exact erf form; "gelu_new"/"gelu_fast"/"gelu_pytorch_tanh" the tanh
// approximation. Unknown names throw InputError. x: any shape.
torch::Tensor activation(const std::string& name, const torch::Tensor& x);

// HF's get_extended_attention_mask: (1 - mask) * finfo(dtype).min, broadcastable over heads and queries.
// attention_mask: [B, T] (1 = real token) -> [B, 1, 1, T] in `dtype`.
torch::Tensor additive_attention_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype);

}  // namespace attune::models
