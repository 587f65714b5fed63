// A Linear layer with a slot for a low-rank adapter: y = x Wᵀ + b (+ adapter(x)).
// Mirrors torch.nn.Linear's parameter names (`weight` [out, in], `bias` [out]) so checkpoints load
// name-for-name; peft/ fills the adapter slot (LoRA registers `lora_A`/`lora_B` as submodules here, giving
// PEFT's key names `<path>.lora_A.weight`).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <mutex>

namespace attune::models {

// What peft/ plugs into a Linear. delta(x) is added to the base output.
struct LinearAdapter {
  virtual ~LinearAdapter() = default;
  // x: [..., in] -> [..., out]
  virtual torch::Tensor delta(const torch::Tensor& x) = 0;
};

// Whether frozen Linear weights keep a bf16 copy for bf16 autocast (on by default; `bench
// --no-weight-cache` turns it off to measure what it saves). Process-wide.
void set_bf16_weight_cache(bool enabled);
bool bf16_weight_cache_enabled();

struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

  // x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  // The base projection alone, without the adapter. x: [..., in] -> [..., out]
  torch::Tensor base_forward(const torch::Tensor& x);

  // The weight as bf16 for a frozen layer under bf16 autocast, cast once and reused until the weight
  // changes (its version counter or storage), instead of autocast re-casting it on every forward.
  torch::Tensor bf16_weight();

  int64_t in_features, out_features;
  torch::Tensor weight;                    // [out, in]
  torch::Tensor bias;                      // [out], undefined when the layer has none
  std::shared_ptr<LinearAdapter> adapter;  // null: a plain Linear

 private:
  std::mutex cache_mutex_;
  torch::Tensor bf16_cache_;          // [out, in] bf16 copy of weight
  uint32_t cache_version_ = 0;        // weight._version() when the copy was made
  const void* cache_data_ = nullptr;  // weight.data_ptr() when the copy was made
};
TORCH_MODULE(Linear);

}  // namespace attune::models
