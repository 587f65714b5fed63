#include "models/batch_tensors.h"

#include <gtest/gtest.h>

namespace attune::models {
namespace {

TEST(BatchTensors, ShapesAndTypesOfAPaddedBatch) {
  data::TokenizedRows data;
  data.input_ids = {{0, 11, 2}, {0, 21, 22, 23, 2}, {0, 2}};
  data.labels = {3, 1, 0};
  data.weights = {1.0f, 2.5f, 1.0f};
  const auto batch = data::make_batch(data, {1, 2}, /*pad_id=*/9);
  const auto t = to_tensors(batch);
  EXPECT_EQ(t.input_ids.sizes(), (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(t.input_ids.scalar_type(), torch::kInt64);
  EXPECT_EQ(t.attention_mask.scalar_type(), torch::kInt64);
  EXPECT_EQ(t.labels.scalar_type(), torch::kInt64);
  EXPECT_EQ(t.weights.scalar_type(), torch::kFloat32);
  EXPECT_EQ(t.input_ids[1][1].item<std::int64_t>(), 2);
  EXPECT_EQ(t.input_ids[1][4].item<std::int64_t>(), 9);
  EXPECT_EQ(t.attention_mask.sum().item<std::int64_t>(), 7);
  EXPECT_FLOAT_EQ(t.weights[0].item<float>(), 2.5f);
}

}  // namespace
}  // namespace attune::models
