// A Linear layer with a slot for a low-rank adapter: y = x Wᵀ + b (+ adapter(x)).
// Mirrors torch.nn.Linear's parameter names (`weight` [out, in], `bias` [out]) so checkpoints load
// name-for-name; peft/ fills the adapter slot (LoRA registers `lora_A`/`lora_B` as submodules here, giving
// PEFT's key names `<path>.lora_A.weight`).
#pragma once

#include <torch/torch.h>

#include <memory>

namespace attune::models {

// What peft/ plugs into a Linear. delta(x) is added to the base output.
struct LinearAdapter {
  virtual ~LinearAdapter() = default;
  // x: [..., in] -> [..., out]
  virtual torch::Tensor delta(const torch::Tensor& x) = 0;
};

struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

  // x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  // The base projection alone, without the adapter. x: [..., in] -> [..., out]
  torch::Tensor base_forward(const torch::Tensor& x);

  int64_t in_features, out_features;
  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out], undefined when the layer has none
  std::shared_ptr<LinearAdapter> adapter;  // null: a plain Linear
};
TORCH_MODULE(Linear);

}  // namespace attune::models
