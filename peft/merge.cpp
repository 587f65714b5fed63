#include "peft/merge.h"

#include "peft/lora.h"

namespace attune::peft {
namespace {

// weight [out, in] += sign · s·B·A, in fp32, cast once to weight's dtype.
void add_delta(models::LinearImpl& linear, const LoraAdapter& lora, double sign) {
  torch::NoGradGuard no_grad;
  const auto delta = lora.delta_weight().to(linear.weight.device());  // [out, in], fp32
  const auto updated = linear.weight.to(torch::kFloat32) + delta * sign;
  linear.weight.copy_(updated.to(linear.weight.scalar_type()));
}

}  // namespace

int merge_lora(torch::nn::Module& model) {
  int count = 0;
  for (auto& [path, linear] : lora_linears(model)) {
    auto lora = lora_of(*linear);
    if (lora->merged) continue;
    add_delta(*linear, *lora, /*sign=*/1.0);
    lora->merged = true;
    ++count;
  }
  return count;
}

int unmerge_lora(torch::nn::Module& model) {
  int count = 0;
  for (auto& [path, linear] : lora_linears(model)) {
    auto lora = lora_of(*linear);
    if (!lora->merged) continue;
    add_delta(*linear, *lora, /*sign=*/-1.0);
    lora->merged = false;
    ++count;
  }
  return count;
}

int merge_and_unload(torch::nn::Module& model) {
  merge_lora(model);
  int count = 0;
  for (auto& [path, linear] : lora_linears(model)) {
    auto lora = lora_of(*linear);
    linear->unregister_module("lora_A");
    linear->unregister_module("lora_B");
    if (lora->lora_dropout) linear->unregister_module("lora_dropout");
    linear->adapter.reset();
    ++count;
  }
  return count;
}

}  // namespace attune::peft
