// One switch between the reference path and the fast kernels.
//
// The reference path is the plain libtorch composition, the one that reads like the PyTorch code it mirrors:
// autocast casts each weight where it is used, Q, K and V are three products, torch's kernels multiply, and
// torch::dropout draws the masks. Each fast path computes what the reference computes (bit for bit, or
// within bf16 rounding where a product rounds once instead of twice; docs/performance.md says which), and
// every one is tested against it. They are all on by default; `bench` turns each off to measure what it
// saves (--no-weight-cache, --no-fused-qkv, --no-packed, --torch-dropout, or --reference-path for all four).
// Process-wide: the setting applies to every model in the process.
#pragma once

namespace attune::models {

struct FastPaths {
  // Frozen Linear weights keep a bf16 copy for bf16 autocast instead of autocast re-casting them on every
  // forward (models/bf16_weight_cache.h). Where no gradient is taken, folding an adapter into the weight,
  // fused Q/K/V and packed products build on those copies, so off turns them off too.
  bool bf16_weight_cache = true;
  // FusedLinears runs Q, K and V as one product where no gradient is taken (models/linear.h).
  bool fused_linears = true;
  // Inference products run on weights packed once for oneDNN (models/packed_linear.h), where oneDNN has a
  // native bf16 kernel for this CPU (packed_linears_native()).
  bool packed_linears = true;
  // Dropout draws its mask with the parallel counter-based generator (models/dropout.h) instead of torch's
  // serial bernoulli_ (a different random stream, the same distribution).
  bool fast_dropout = true;

  // Every fast path off: the reference path.
  static FastPaths reference();
};

void set_fast_paths(const FastPaths& paths);
FastPaths fast_paths();

// Sets the fast paths for its lifetime and restores the previous setting after (for tests and A/B runs).
class ScopedFastPaths {
 public:
  explicit ScopedFastPaths(const FastPaths& paths);
  // The current setting with one path (&FastPaths::fused_linears, ...) switched on or off.
  ScopedFastPaths(bool FastPaths::*path, bool enabled);
  ~ScopedFastPaths();
  ScopedFastPaths(const ScopedFastPaths&) = delete;
  ScopedFastPaths& operator=(const ScopedFastPaths&) = delete;

 private:
  FastPaths previous_;
};

}  // namespace attune::models
