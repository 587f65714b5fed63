#include "trainer/schedule.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace attune::trainer {
namespace {

// Expected values come from the lambdas in transformers/optimization.py evaluated by hand:
//   warmup:   step / max(1, warmup)
//   linear:   max(0, (total - step) / max(1, total - warmup))
//   cosine:   max(0, 0.5 * (1 + cos(pi * 2 * 0.5 * (step - warmup) / max(1, total - warmup))))
//   constant_with_warmup: 1 after warmup
TEST(Schedule, LinearWarmupThenDecayToZero) {
  const LrSchedule s{ScheduleKind::kLinear, /*warmup_steps=*/2, /*total_steps=*/10};
  EXPECT_DOUBLE_EQ(s.multiplier(0), 0.0);
  EXPECT_DOUBLE_EQ(s.multiplier(1), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(2), 1.0);
  EXPECT_DOUBLE_EQ(s.multiplier(3), 0.875);
  EXPECT_DOUBLE_EQ(s.multiplier(6), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(9), 0.125);
  EXPECT_DOUBLE_EQ(s.multiplier(10), 0.0);
  EXPECT_DOUBLE_EQ(s.multiplier(12), 0.0);  // clamped past the end
  const LrSchedule no_warmup{ScheduleKind::kLinear, 0, 4};
  EXPECT_DOUBLE_EQ(no_warmup.multiplier(0), 1.0);
  EXPECT_DOUBLE_EQ(no_warmup.multiplier(1), 0.75);
}

TEST(Schedule, CosineWarmupThenHalfCosine) {
  const LrSchedule s{ScheduleKind::kCosine, /*warmup_steps=*/2, /*total_steps=*/10};
  EXPECT_DOUBLE_EQ(s.multiplier(1), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(2), 1.0);
  EXPECT_NEAR(s.multiplier(3), 0.9619397662556434, 1e-15);  // 0.5 * (1 + cos(pi / 8))
  EXPECT_NEAR(s.multiplier(4), 0.8535533905932737, 1e-15);  // 0.5 * (1 + cos(pi / 4))
  EXPECT_NEAR(s.multiplier(6), 0.5, 1e-15);
  EXPECT_NEAR(s.multiplier(10), 0.0, 1e-15);
}

TEST(Schedule, ConstantWithAndWithoutWarmup) {
  const LrSchedule warm{ScheduleKind::kConstant, /*warmup_steps=*/4, /*total_steps=*/100};
  EXPECT_DOUBLE_EQ(warm.multiplier(0), 0.0);
  EXPECT_DOUBLE_EQ(warm.multiplier(1), 0.25);
  EXPECT_DOUBLE_EQ(warm.multiplier(4), 1.0);
  EXPECT_DOUBLE_EQ(warm.multiplier(100), 1.0);
  const LrSchedule flat{ScheduleKind::kConstant, 0, 100};
  EXPECT_DOUBLE_EQ(flat.multiplier(0), 1.0);
  EXPECT_DOUBLE_EQ(flat.multiplier(150), 1.0);
}

// TrainingArguments.get_warmup_steps uses math.ceil on the float product, rounding error included.
TEST(Schedule, WarmupStepsFromStepsOrRatio) {
  EXPECT_EQ(resolve_warmup_steps(5, 0.5, 100), 5);
  EXPECT_EQ(resolve_warmup_steps(0, 0.1, 95), 10);
  EXPECT_EQ(resolve_warmup_steps(0, 0.06, 100), 6);
  EXPECT_EQ(resolve_warmup_steps(0, 0.07, 100), 8);  // 0.07 * 100 == 7.000000000000001 in Python too
  EXPECT_EQ(resolve_warmup_steps(0, 0.0, 100), 0);
  EXPECT_THROW(resolve_warmup_steps(-1, 0.0, 100), InputError);
  EXPECT_THROW(resolve_warmup_steps(0, 1.5, 100), InputError);
}

TEST(Schedule, ParsesNames) {
  EXPECT_EQ(parse_schedule_kind("linear"), ScheduleKind::kLinear);
  EXPECT_EQ(parse_schedule_kind("cosine"), ScheduleKind::kCosine);
  EXPECT_EQ(parse_schedule_kind("constant"), ScheduleKind::kConstant);
  EXPECT_EQ(parse_schedule_kind("constant_with_warmup"), ScheduleKind::kConstant);
  EXPECT_EQ(schedule_kind_name(ScheduleKind::kCosine), "cosine");
  try {
    parse_schedule_kind("polynomial", "training.lr_scheduler_type");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("training.lr_scheduler_type"), std::string::npos);
  }
}

}  // namespace
}  // namespace attune::trainer
