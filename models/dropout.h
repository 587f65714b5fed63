// Dropout whose keep mask comes from a parallel counter-based generator (splitmix64 over the element index)
// instead of torch's CPU bernoulli_, a serial per-element loop in Debian's MKL-less torch. Each call takes
// ONE 64-bit draw from torch's default CPU generator as its seed, so saving/restoring torch's RNG state
// replays a run exactly, and element i's keep/drop depends only on (seed, i): the same for any thread count.
// Applied as x * mask (mask 0 or 1/(1-p) in x's dtype), so autograd's gradient is the mask itself. On CPU
// the multiply is fused with drawing the mask, and the backward redraws the mask from the seed instead of
// keeping it: no mask is ever stored. With FastPaths::fast_dropout off (models/fast_paths.h) it is
// torch::dropout, the reference path.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace attune::models {

// The scaled keep mask: each element 1/(1-p) with probability 1-p, else 0, in `dtype` (a floating type);
// element i depends only on (seed, i). p in [0, 1). sizes: any shape -> contiguous tensor of that shape.
torch::Tensor dropout_mask(at::IntArrayRef sizes, double p, uint64_t seed, torch::ScalarType dtype);

// One 64-bit draw from torch's default CPU generator (advances it, like one random64()).
uint64_t draw_dropout_seed();

// torch.nn.functional.dropout(x, p, training): x * dropout_mask(x.sizes(), p, draw_dropout_seed(), x's
// dtype) while training with 0 < p < 1; x itself when not training or p == 0; x * 0 when p == 1.
// p outside [0, 1] throws InputError. x: any shape, floating.
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training);

// torch::linear(fast_dropout(x, p, training), weight) with the same values and draws, but autograd keeps x
// (which LoRA shares with its base layer) rather than the dropped copy: the backward recomputes x * mask.
// x [..., in] and weight [out, in] of one dtype (else, like off CPU, the plain composition runs).
torch::Tensor dropout_linear(const torch::Tensor& x, const torch::Tensor& weight, double p, bool training);

// torch::nn::Dropout's drop-in replacement (no parameters or buffers, so state_dict names are unchanged).
struct FastDropoutImpl : torch::nn::Module {
  explicit FastDropoutImpl(double p);
  // x: any shape -> same shape; the identity in eval mode.
  torch::Tensor forward(const torch::Tensor& x);

  double p;
};
TORCH_MODULE(FastDropout);

}  // namespace attune::models
