#include "trainer/early_stopping.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/errors.h"

namespace attune::trainer {
namespace {

TEST(EarlyStopping, LossMustImproveByMoreThanThreshold) {
  EarlyStopping s("eval_loss", /*patience=*/2, /*threshold=*/0.01);
  EXPECT_FALSE(s.greater_is_better);
  EXPECT_TRUE(s.update(1.0, /*step=*/10, /*epoch=*/1));
  EXPECT_EQ(s.patience_counter, 0);
  // Better, but not by more than the threshold: the best moves, the counter still grows.
  EXPECT_TRUE(s.update(0.995, 20, 2));
  EXPECT_EQ(s.patience_counter, 1);
  EXPECT_EQ(*s.best_metric, 0.995);
  EXPECT_EQ(s.best_step, 20);
  EXPECT_FALSE(s.should_stop());
  // Better by more than the threshold resets it.
  EXPECT_TRUE(s.update(0.9, 30, 3));
  EXPECT_EQ(s.patience_counter, 0);
  EXPECT_FALSE(s.update(0.95, 40, 4));
  EXPECT_FALSE(s.should_stop());
  EXPECT_FALSE(s.update(0.9, 50, 5));  // equal is no improvement
  EXPECT_TRUE(s.should_stop());
  EXPECT_EQ(*s.best_metric, 0.9);
  EXPECT_EQ(s.best_step, 30);
  EXPECT_EQ(s.best_epoch, 3);
}

TEST(EarlyStopping, HigherIsBetterForAccuracyAndF1) {
  EarlyStopping s("eval_f1_macro", /*patience=*/1, /*threshold=*/0.0);
  EXPECT_TRUE(s.greater_is_better);
  EXPECT_TRUE(s.update(0.5, 1, 1));
  EXPECT_TRUE(s.update(0.6, 2, 2));
  EXPECT_FALSE(s.should_stop());
  EXPECT_FALSE(s.update(0.55, 3, 3));
  EXPECT_TRUE(s.should_stop());
  EXPECT_EQ(s.best_epoch, 2);
}

TEST(EarlyStopping, NaNNeverImprovesAndZeroPatienceNeverStops) {
  EarlyStopping s("accuracy", /*patience=*/0, /*threshold=*/0.0);
  EXPECT_FALSE(s.update(std::nan(""), 1, 1));
  EXPECT_FALSE(s.best_metric.has_value());
  for (int i = 0; i < 5; ++i) s.update(0.1, i, i);
  EXPECT_FALSE(s.should_stop());
}

TEST(EarlyStopping, JsonRoundTripKeepsState) {
  EarlyStopping s("eval_loss", 3, 0.001);
  s.update(0.7, 100, 1);
  s.update(0.8, 200, 2);
  const auto back = EarlyStopping::from_json(s.to_json());
  EXPECT_EQ(back.metric, "eval_loss");
  EXPECT_EQ(back.greater_is_better, false);
  EXPECT_EQ(back.patience, 3);
  EXPECT_EQ(back.threshold, 0.001);
  EXPECT_EQ(*back.best_metric, 0.7);
  EXPECT_EQ(back.best_step, 100);
  EXPECT_EQ(back.best_epoch, 1);
  EXPECT_EQ(back.patience_counter, 1);

  const auto fresh = EarlyStopping::from_json(EarlyStopping("accuracy", 1, 0).to_json());
  EXPECT_FALSE(fresh.best_metric.has_value());
  auto broken = s.to_json();
  broken.erase("best_step");
  EXPECT_THROW(EarlyStopping::from_json(broken), InputError);
}

TEST(EarlyStopping, RejectsBadSettings) {
  EXPECT_THROW(EarlyStopping("bleu", 1, 0.0), InputError);
  EXPECT_THROW(EarlyStopping("accuracy", -1, 0.0), InputError);
  EXPECT_THROW(EarlyStopping("accuracy", 1, -0.1), InputError);
}

}  // namespace
}  // namespace attune::trainer
