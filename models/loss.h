// The classification loss of HF's *ForSequenceClassification heads (single_label_classification).
#pragma once

#include <torch/torch.h>

namespace attune::models {

// Mean cross-entropy, computed in fp32 (as HF's CrossEntropyLoss()(logits.view(-1, C), labels.view(-1))).
// With `weights` [B] defined: sum_i w_i * ce_i / sum_i w_i (sample weights, e.g. a CSV `count` column).
// logits: [B, C], labels: [B] int64 in [0, C) -> [] scalar.
torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& weights = {});

}  // namespace attune::models
