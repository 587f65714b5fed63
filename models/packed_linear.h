// A frozen bf16 Linear for inference, its weight reordered once into oneDNN's own blocked layout.
//
// torch 1.13 hands a bf16 matmul to oneDNN with the weight in torch's plain layout, and oneDNN's kernel then
// copies it into the blocked (VNNI) layout its AVX512-BF16 instructions read, on every call. For a request of
// a few tokens that copy costs about as much as the product itself (docs/performance.md, "Inference
// products"). Here the copy is made once; the bias and an activation run inside the product.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace attune::models {

// Whether oneDNN's bf16 product on this CPU uses the CPU's bf16 instructions (AVX512-BF16 or AMX); where
// it would emulate them, torch's path is as fast and packing buys nothing. Probed once.
bool packed_linears_native();

// Whether Linears run packed products where they can: FastPaths::packed_linears (models/fast_paths.h) and
// packed_linears_native().
bool packed_linears_in_use();

// How many packed products have run in this process (for tests and profiles).
uint64_t packed_products_count();

// Whether `act` (a HF hidden_act name, models/activations.h) can run inside a packed product.
bool packed_activation_supported(const std::string& act);

class PackedBf16Linear {
 public:
  // weight: [out, in] bf16; bias: [out] bf16 or undefined. Both are copied (the packed weight, the bias).
  PackedBf16Linear(const torch::Tensor& weight, const torch::Tensor& bias);

  // act(x Wᵀ + b) for x [..., in] bf16 (any strides), as [..., out] bf16: the product accumulates in fp32,
  // the bias and the activation (a name packed_activation_supported takes; "" none) apply to the fp32
  // sum, and the result is rounded to bf16 once.
  torch::Tensor forward(const torch::Tensor& x, const std::string& act = "") const;

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

 private:
  struct State;
  std::shared_ptr<const State> state_;
  int64_t in_ = 0, out_ = 0;
};

}  // namespace attune::models
