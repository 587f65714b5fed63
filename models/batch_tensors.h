// A data::Batch as the tensors the encoders take.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "data/batching.h"

namespace attune::models {

struct BatchTensors {
  torch::Tensor input_ids;       // [B, T] int64
  torch::Tensor attention_mask;  // [B, T] int64
  torch::Tensor labels;          // [B] int64
  torch::Tensor weights;         // [B] float32
};

inline BatchTensors to_tensors(const data::Batch& batch) {
  const std::vector<std::int64_t> shape = {batch.batch_size, batch.seq_len};
  return {torch::tensor(batch.input_ids, torch::kInt64).view(shape),
          torch::tensor(batch.attention_mask, torch::kInt64).view(shape),
          torch::tensor(batch.labels, torch::kInt64), torch::tensor(batch.weights, torch::kFloat32)};
}

}  // namespace attune::models
