// A Linear layer with a slot for a low-rank adapter: y = x Wᵀ + b (+ adapter(x)).
// Mirrors torch.nn.Linear's parameter names (`weight` [out, in], `bias` [out]) so checkpoints load
// name-for-name; peft/ fills the adapter slot (LoRA registers `lora_A`/`lora_B` as submodules here, giving
// PEFT's key names `<path>.lora_A.weight`).
#pragma once

#include <torch/torch.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// How many fused products FusedLinears has run in this process (for tests and profiles).
uint64_t fused_linears_count();

// What a cached copy was made from: the tensor's storage (held, so it cannot be freed and its address
// reused while the copy lives), data pointer, version counter and shape. The copy is current while the
// tensor still has all four: an in-place update moves the version, a replaced tensor (set_data, a
// loaded state dict) the storage.
class SourceStamp {
 public:
  SourceStamp() = default;
  explicit SourceStamp(const torch::Tensor& t);
  bool matches(const torch::Tensor& t) const;

 private:
  c10::Storage storage_;
  const void* data_ = nullptr;
  int64_t version_ = -1;
  std::vector<int64_t> sizes_;
};

struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);

  // x: [..., in] -> [..., out]
  torch::Tensor forward(const torch::Tensor& x);

  // activation(act, forward(x)) (act: a HF hidden_act name); where the layer runs packed (below), the
  // activation runs inside the product, on its fp32 sum.
  torch::Tensor forward_activated(const torch::Tensor& x, const std::string& act);

  // The base projection alone, without the adapter. x: [..., in] -> [..., out]
  torch::Tensor base_forward(const torch::Tensor& x);

  // The weight as bf16 under bf16 autocast, cast once and reused until the weight changes (see SourceStamp)
  // instead of autocast re-casting it on every forward. With `fold`: bf16(W + fold->weight_delta()), the
  // weight a merged copy of the layer would cast, reused until W, fold's inputs or fold's key change. One
  // copy is kept (the last one asked for).
  torch::Tensor bf16_weight(const LinearAdapter* fold = nullptr);

  // The bias as bf16 under bf16 autocast: cast once and reused until it changes where no gradient can reach
  // it (frozen, or no autograd); a fresh cast (on the autograd tape) otherwise. Undefined without one.
  torch::Tensor bf16_bias();

  // The bf16 weight forward(x) multiplies by right now, when it runs as one bf16 product without autograd
  // (bf16 autocast, no grad mode, the adapter absent, inactive or folded in); undefined otherwise. A new
  // tensor whenever its value changes (the cached copies are replaced, never updated in place).
  torch::Tensor inference_bf16_weight();

  // Identifies the values inference_bf16_weight() and bf16_bias() stand for right now, without making
  // either: it changes whenever one of them changes. {0, 0} where inference_bf16_weight() is undefined.
  std::array<uint64_t, 2> inference_version();

  // inference_bf16_weight() and bf16_bias() packed for oneDNN (PackedBf16Linear), kept until either changes;
  // null where inference_bf16_weight() is undefined or packed_linears_in_use() is false. The plain bf16
  // copy it was packed from is dropped (made again when asked for), so inference holds one bf16 copy.
  std::shared_ptr<const PackedBf16Linear> inference_packed();

  // Drops the plain bf16 copy (FusedLinears calls it once it has packed the copy into its stack).
  void release_bf16_copy();

  int64_t in_features, out_features;
  torch::Tensor weight;                    // [out, in]
  torch::Tensor bias;                      // [out], undefined when the layer has none
  std::shared_ptr<LinearAdapter> adapter;  // null: a plain Linear

 private:
  // Under bf16 autocast: the product with a bf16 weight `w` [out, in], plus the bias cast to bf16.
  torch::Tensor bf16_product(const torch::Tensor& x, const torch::Tensor& w);
  bool uses_bf16_autocast() const;
  // Whether forward runs as one bf16 product without autograd now; `fold` is then the adapter folded in
  // (null: none).
  bool inference_product(const LinearAdapter** fold) const;
  // With cache_mutex_ held: checks the stamps of the weight copy (folded with `fold` or not) and of the bias
  // copy, and drops what they no longer match, starting a new generation.
  void refresh_weight_stamps(const LinearAdapter* fold);
  void refresh_bias_copy();
  torch::Tensor plain_bf16_weight(const LinearAdapter* fold);  // with cache_mutex_ held
  void drop_packed();

  std::mutex cache_mutex_;
  torch::Tensor bf16_cache_;  // [out, in] bf16 copy of weight (+ the folded adapter's delta); may be dropped
  SourceStamp cache_weight_;  // the weight the copies were made from
  bool cache_folded_ = false;
  std::vector<SourceStamp> cache_fold_inputs_;  // the folded adapter's fold_inputs()
  std::vector<uint64_t> cache_fold_key_;        // and its fold_key()
  uint64_t weight_generation_ = 0;              // changes with the stamps above (0: none yet)
  torch::Tensor bf16_bias_cache_;               // [out] bf16 copy of bias
  SourceStamp cache_bias_;
  uint64_t bias_generation_ = 0;
  std::shared_ptr<const PackedBf16Linear> packed_;  // made from generations packed_generations_
  std::array<uint64_t, 2> packed_generations_{};    // {weight, bias}
  std::atomic<bool> has_packed_{false};
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

}  // namespace attune::models
