#include "peft/bitfit.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "peft/trainable.h"
#include "tiny_model.h"

namespace attune::peft {
namespace {

// Tiny model (hidden 8, intermediate 12, 2 layers, 3 labels): biases outside the head per layer are
// q,k,v,attn dense 4·8 + 2 LayerNorm biases 2·8 + intermediate 12 + output 8 = 68, ×2 = 136; the head
// (classifier) has 72 + 27 = 99 parameters. BitFit trains 136 + 99 = 235 of 1323.
TEST(BitFit, TrainsBiasesAndHeadOnly) {
  testing::TinyClassifier model;
  apply_bitfit(model);
  int64_t count = 0;
  for (const auto& [name, p] : trainable_parameters(model)) {
    const bool bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    EXPECT_TRUE(bias || name.rfind("classifier.", 0) == 0) << name;
    count += p.numel();
  }
  EXPECT_EQ(count, 235);
  EXPECT_EQ(trainable_summary(count_parameters(model)),
            "trainable params: 235 || all params: 1,323 || trainable%: 17.7627");
}

TEST(BitFit, FullAndHeadMethods) {
  testing::TinyClassifier model;
  apply_method(model, "head");
  EXPECT_EQ(count_parameters(model).trainable, 99);
  apply_method(model, "full");
  EXPECT_EQ(count_parameters(model).trainable, 1323);
  apply_method(model, "bitfit");
  EXPECT_EQ(count_parameters(model).trainable, 235);
  EXPECT_THROW(apply_method(model, "prefix"), InputError);
}

}  // namespace
}  // namespace attune::peft
