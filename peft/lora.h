// LoRA on models::Linear, as PEFT 0.20's lora.Linear (peft/tuners/lora/layer.py) and LoraModel's injection
// (peft/tuners/tuners_utils.py, inject_adapter):
//   y = W x + b + s · B(A(dropout(x))),  s = lora_alpha / r  (lora_alpha / sqrt(r) with use_rslora)
// A [r, in] kaiming-uniform(a=sqrt(5)), B [out, r] zeros. `lora_A` / `lora_B` / `lora_dropout` are registered
// as submodules of the adapted Linear, so the parameters are named `<path>.lora_A.weight` /
// `<path>.lora_B.weight` like PEFT's saved keys.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "models/dropout.h"
#include "models/encoder.h"
#include "models/linear.h"
#include "peft/lora_config.h"
#include "peft/trainable.h"

namespace attune::peft {

// The adapter PEFT calls lora.Linear, plugged into a models::Linear's adapter slot.
struct LoraAdapter : models::LinearAdapter {
  // Registers lora_A, lora_B (and lora_dropout when p > 0) on `base`. Weights are fp32 on base's device;
  // A's init draws from torch's global generator (seed it for a repeatable run).
  LoraAdapter(models::LinearImpl& base, int64_t r, double scaling, double dropout, bool init_lora_weights);

  bool active() const override { return enabled && !merged; }
  // x: [..., in] -> [..., out]: s · B(A(dropout(x))), or 0 while merged or disabled.
  torch::Tensor delta(const torch::Tensor& x) override;
  // s · B · A in fp32: [out, in].
  torch::Tensor delta_weight() const;

  // Folding (models::LinearAdapter): foldable while no dropout is live and A has no bias; the delta is
  // delta_weight(), computed from A's and B's weights (an optimizer step or a loaded adapter changes them)
  // and the scaling.
  bool foldable() const override;
  torch::Tensor weight_delta() const override { return delta_weight(); }
  std::vector<torch::Tensor> fold_inputs() const override { return {lora_A->weight, lora_B->weight}; }
  std::vector<uint64_t> fold_key() const override;

  // Whether lora_dropout drops anything now (present, in train mode, p > 0).
  bool dropout_live() const;

  models::Linear lora_A;                      // weight [r, in]
  models::Linear lora_B;                      // weight [out, r]
  models::FastDropout lora_dropout{nullptr};  // null when lora_dropout == 0 (PEFT's Identity)
  double scaling;
  bool merged = false;  // W already holds W + s·B·A
  bool enabled = true;  // false: the Linear computes W x + b alone (PEFT's disable_adapter)
};

// What apply_lora did: the resolved config (as adapter_config.json will record it) and the module paths.
struct LoraInfo {
  LoraConfig config;                         // target_modules and modules_to_save filled in
  std::vector<std::string> adapted_modules;  // Linear paths with LoRA, in named_modules order
  std::vector<std::string> saved_modules;    // modules_to_save paths: trained and saved whole
};

// Injects LoRA into every models::Linear of `model` that `config` targets (PEFT's matching; see
// target_match.h), then sets requires_grad as PEFT does: LoRA weights, biases per `bias`, and the
// modules_to_save modules trainable; everything else frozen. Defaults: target_modules =
// default_target_modules(model_type), modules_to_save = model.head_module_names(); like PEFT's
// PeftModelForSequenceClassification, "classifier" and "score" are appended to modules_to_save (unless the
// list already holds both, e.g. when it was read back from an adapter_config.json).
// Throws InputError when nothing is targeted (listing some module names), when a targeted module is not a
// Linear or already has an adapter, or when a modules_to_save entry (other than "score") matches nothing.
LoraInfo apply_lora(models::SequenceClassifier& model, LoraConfig config);

// The LoRA adapter of a Linear, or null.
std::shared_ptr<LoraAdapter> lora_of(const models::LinearImpl& linear);

// Every (path, Linear) of `model` that carries a LoRA adapter, in named_modules order.
std::vector<std::pair<std::string, std::shared_ptr<models::LinearImpl>>> lora_linears(
    torch::nn::Module& model);

// PEFT's get_nb_trainable_parameters for a LoRA model: PEFT keeps a frozen original copy of every
// modules_to_save module beside the trained one, so `all` counts those modules twice.
ParameterCount lora_parameter_count(const torch::nn::Module& model, const LoraInfo& info);

// PEFT's enable_adapter_layers / disable_adapter_layers.
void set_lora_enabled(torch::nn::Module& model, bool enabled);

}  // namespace attune::peft
