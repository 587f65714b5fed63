// A Linear layer with a slot for a low-rank adapter: y = x Wᵀ + b (+ adapter(x)).
// Mirrors torch.nn.Linear's parameter names (`weight` [out, in], `bias` [out]) so checkpoints load
// name-for-name; peft/ fills the adapter slot (LoRA registers `lora_A`/`lora_B` as submodules here, giving
// PEFT's key names `<path>.lora_A.weight`).
#pragma once

#include <torch/torch.h>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/bf16_weight_cache.h"
#include "models/packed_linear.h"

namespace attune::models {

// What peft/ plugs into a Linear. delta(x) is added to the base output.
struct LinearAdapter {
  virtual ~LinearAdapter() = default;
  // Whether the adapter adds anything now (false while merged into the weight or disabled).
  virtual bool active() const = 0;
  // x: [..., in] -> [..., out]
  virtual torch::Tensor delta(const torch::Tensor& x) = 0;

  // Folding: where no gradient is taken, a linear adapter may run as part of the weight, y = x (W + D)ᵀ + b,
  // one product instead of three (the Linear does so under bf16 autocast). foldable(): whether delta(x) is
  // x Dᵀ right now (false while dropout is live, say). weight_delta(): D [out, in] in fp32, computed exactly
  // as merging it into the weight would. fold_inputs(): the tensors D is computed from, and fold_key(): the
  // rest of the state it depends on, as numbers; the Linear rebuilds its folded copy when either changes
  // (a tensor updated in place or replaced, the key different).
  virtual bool foldable() const { return false; }
  virtual torch::Tensor weight_delta() const { return {}; }
  virtual std::vector<torch::Tensor> fold_inputs() const { return {}; }
  virtual std::vector<uint64_t> fold_key() const { return {}; }
};

// torch.nn.Linear with an adapter slot. Under bf16 autocast it multiplies by a bf16 weight and adds a bf16
// bias, as Python's F.linear under torch.autocast does. With FastPaths::bf16_weight_cache on
// (models/fast_paths.h) a weight no gradient reaches is cast once and reused (Bf16WeightCache); where no
// gradient is taken at all the layer runs as one bf16 product, an adapter folded into the cached weight (so
// it computes exactly what its merged export computes), packed for oneDNN where FastPaths::packed_linears
// allows.
struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

  // x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  // activation(act, forward(x)) (act: a HF hidden_act name); where the layer runs packed, the activation
  // runs inside the product, on its fp32 sum.
  torch::Tensor forward_activated(const torch::Tensor& x, const std::string& act);

  // The base projection alone, without the adapter. x: [..., in] -> [..., out]
  torch::Tensor base_forward(const torch::Tensor& x);

  int64_t in_features, out_features;
  torch::Tensor weight;                    // [out, in]
  torch::Tensor bias;                      // [out], undefined when the layer has none
  std::shared_ptr<LinearAdapter> adapter;  // null: a plain Linear

  // What FusedLinears stacks.
  // The bias as bf16 under bf16 autocast: the cached copy where no gradient can reach it (frozen, or no
  // autograd); a fresh cast (on the autograd tape) otherwise. Undefined without one.
  torch::Tensor bf16_bias();
  // The bf16 weight forward(x) multiplies by right now, when it runs as one bf16 product without autograd
  // (bf16 autocast, no grad mode, the adapter absent, inactive or folded in); undefined otherwise.
  torch::Tensor inference_bf16_weight();
  // Identifies the values inference_bf16_weight() and bf16_bias() stand for right now, without making
  // either: it changes whenever one of them changes. {0, 0} where inference_bf16_weight() is undefined.
  std::array<uint64_t, 2> inference_version();
  // inference_bf16_weight() and bf16_bias() packed (Bf16WeightCache::packed); null where
  // inference_bf16_weight() is undefined or packed_linears_in_use() is false.
  std::shared_ptr<const PackedBf16Linear> inference_packed();
  // Drops the plain bf16 weight copy (FusedLinears calls it once it has packed the copy into its stack).
  void release_bf16_copy();

 private:
  bool uses_bf16_autocast() const;
  // Whether forward runs as one bf16 product without autograd now; `fold` is then the adapter folded in
  // (null: none).
  bool inference_product(const LinearAdapter** fold) const;

  Bf16WeightCache cache_{weight, bias};
};
TORCH_MODULE(Linear);

// Several Linears that read the same input (Q, K and V) as one product where no gradient is taken: their
// inference_bf16_weight()s stacked [sum of out, in] (and biases), built once (and packed, where Linears run
// packed) and rebuilt when any layer's inference_version() changes. One wide GEMM instead of three narrow
// ones: for a request of a few tokens one wide product is clearly faster than three narrow ones (figures:
// docs/performance.md, "Inference products"); batched inference gains nothing.
// Runs while FastPaths::fused_linears is on (models/fast_paths.h).
class FusedLinears {
 public:
  // One [..., out_i] tensor per layer (views into the one product), or an empty vector when the layers
  // cannot run that way now (autograd on, an fp32 model, a live dropout, biases on some layers only): then
  // call each layer.
  std::vector<torch::Tensor> forward(const std::vector<LinearImpl*>& layers, const torch::Tensor& x);

 private:
  std::mutex mutex_;
  torch::Tensor weight_, bias_;                     // [sum out, in], [sum out] bf16 (not packed)
  std::shared_ptr<const PackedBf16Linear> packed_;  // or the same, packed
  std::vector<std::array<uint64_t, 2>> versions_;   // the layers' inference_version()s it was built from
};

// How many fused products FusedLinears has run in this process (for tests and profiles).
uint64_t fused_linears_count();

}  // namespace attune::models
