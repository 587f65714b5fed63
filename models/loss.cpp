#include "models/loss.h"

#include "base/errors.h"

namespace attune::models {

torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& weights) {
  if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0))
    throw InputError("classification_loss: expected logits [B, C] and labels [B], got " +
                     c10::str(logits.sizes()) + " and " + c10::str(labels.sizes()));
  const int64_t C = logits.size(1);
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= C))
    throw InputError("classification_loss: a label is outside [0, " + std::to_string(C) + ")");
  auto x = logits.to(torch::kFloat);
  namespace F = torch::nn::functional;
  if (!weights.defined()) return F::cross_entropy(x, labels);
  if (weights.sizes() != labels.sizes())
    throw InputError("classification_loss: weights shape " + c10::str(weights.sizes()) +
                     " differs from labels");
  auto per_sample = F::cross_entropy(x, labels, F::CrossEntropyFuncOptions().reduction(torch::kNone));  // [B]
  auto w = weights.to(torch::kFloat);
  return (per_sample * w).sum() / w.sum();
}

}  // namespace attune::models
