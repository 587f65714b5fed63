// The non-LoRA ways to choose what trains (Ben Zaken et al., "BitFit", 2021, and the two baselines):
//   bitfit: only the bias terms (every parameter named `...bias`, LayerNorm biases included) and the head;
//   full:   every parameter;
//   head:   only the classification head (model.head_module_names()).
#pragma once

#include <string>

#include "models/encoder.h"

namespace attune::peft {

void apply_bitfit(models::SequenceClassifier& model);
void apply_full(models::SequenceClassifier& model);
void apply_head_only(models::SequenceClassifier& model);

// Dispatches on a config's `method`: "bitfit", "full" or "head" ("lora" goes through apply_lora).
// Anything else throws InputError naming the value.
void apply_method(models::SequenceClassifier& model, const std::string& method);

}  // namespace attune::peft
