// PEFT adapter dirs, in PEFT's own format (PeftModel.save_pretrained / from_pretrained, PEFT 0.20):
//   adapter_config.json        the LoraConfig (lora_config.h)
//   adapter_model.safetensors  `base_model.model.<path>.lora_A.weight` [r, in], `.lora_B.weight` [out, r],
//                              the modules_to_save parameters under `base_model.model.<path>.<param>`, and
//                              with bias all/lora_only the biases (a LoRA Linear's as
//                              `<path>.base_layer.bias`).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/encoder.h"
#include "peft/lora.h"

namespace attune::peft {

inline constexpr const char* kAdapterConfigFile = "adapter_config.json";
inline constexpr const char* kAdapterWeightsFile = "adapter_model.safetensors";
// What PeftModel puts in front of the wrapped model's parameter names.
inline constexpr const char* kPeftKeyPrefix = "base_model.model.";

// The tensors PEFT's get_peft_model_state_dict would save, keyed as in adapter_model.safetensors, sorted.
// The tensors alias the model's parameters.
std::vector<std::pair<std::string, torch::Tensor>> adapter_state_dict(torch::nn::Module& model,
                                                                      const LoraInfo& info);

// Writes adapter_config.json and adapter_model.safetensors into `dir` (created if needed). Tensors are
// written in their dtype unless `dtype` is given (e.g. torch::kBFloat16).
void save_adapter(const std::filesystem::path& dir, torch::nn::Module& model, const LoraInfo& info,
                  std::optional<torch::Dtype> dtype = std::nullopt);

// True when `dir` holds an adapter_config.json.
bool is_adapter_dir(const std::filesystem::path& dir);

// PeftModel.from_pretrained onto an already loaded base model: injects LoRA as adapter_config.json says
// and fills every adapter tensor (and modules_to_save copy) from adapter_model.safetensors. With
// is_trainable false (PEFT's default) every parameter ends frozen. Missing, unexpected or mis-shaped keys
// throw InputError naming the file and the key.
LoraInfo load_adapter(const std::filesystem::path& dir, models::SequenceClassifier& model,
                      bool is_trainable = false);

}  // namespace attune::peft
