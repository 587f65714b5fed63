// Folding LoRA into the base weights and back, as PEFT's LoraLayer.merge / unmerge / merge_and_unload
// (peft/tuners/lora/layer.py): W' = W + s·B·A, computed in fp32 and cast once to W's dtype; unmerge
// subtracts.
#pragma once

#include <torch/torch.h>

namespace attune::peft {

// Merges every LoRA Linear not yet merged (its adapter then adds nothing in forward). Returns how many.
int merge_lora(torch::nn::Module& model);

// Undoes merge_lora on every merged LoRA Linear. Returns how many.
int unmerge_lora(torch::nn::Module& model);

// merge_lora, then removes the adapters (lora_A, lora_B, lora_dropout and the adapter slot): a plain model
// whose state_dict has exactly the base model's keys, ready to save as a Hugging Face model dir.
int merge_and_unload(torch::nn::Module& model);

}  // namespace attune::peft
