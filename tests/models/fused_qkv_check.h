// Shared by the encoders' fused-Q/K/V tests: one model, the same ids, fused and separate.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>

#include "models/autocast.h"
#include "models/encoder.h"
#include "models/fast_paths.h"
#include "models/linear.h"

namespace attune::testing {

inline void expect_fused_qkv_equals_separate_once(models::SequenceClassifier& model, const torch::Tensor& ids,
                                                  uint64_t layers) {
  torch::NoGradGuard no_grad;
  models::CpuAutocast autocast;
  const auto runs = models::fused_linears_count();
  const auto fused = model.forward(ids, torch::ones_like(ids)).logits;
  EXPECT_EQ(models::fused_linears_count() - runs, layers) << "one fused Q/K/V product per layer";
  const auto separate = [&] {
    models::ScopedFastPaths unfused(&models::FastPaths::fused_linears, false);
    return model.forward(ids, torch::ones_like(ids)).logits;
  }();
  EXPECT_EQ(models::fused_linears_count() - runs, layers) << "switched off: none";
  EXPECT_TRUE(torch::equal(fused, separate))
      << "ids " << ids.sizes() << ": max diff " << (fused - separate).abs().max().item<float>();
}

// Runs `model` on `ids` under bf16 autocast without autograd, once with FusedLinears on and once off.
// Expects one fused product per layer (`layers`) in the first run, none in the second, and the same logits
// bit for bit. Through packed products (where this CPU has them: then expects them to run) and through
// torch's.
inline void expect_fused_qkv_equals_separate(models::SequenceClassifier& model, const torch::Tensor& ids,
                                             uint64_t layers) {
  for (const bool packed : {true, false}) {
    if (packed && !models::packed_linears_native()) continue;
    SCOPED_TRACE(packed ? "packed products" : "torch's products");
    models::ScopedFastPaths packing(&models::FastPaths::packed_linears, packed);
    const auto products = models::packed_products_count();
    expect_fused_qkv_equals_separate_once(model, ids, layers);
    if (packed)
      EXPECT_GE(models::packed_products_count() - products, 10 * layers)
          << "every Linear packed: 4 products per layer fused, 6 separate";
    else
      EXPECT_EQ(models::packed_products_count(), products) << "packing off";
  }
}

}  // namespace attune::testing
