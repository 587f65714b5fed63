#include "inference/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/errors.h"

namespace attune::inference {
namespace {

// 9 rows, 3 classes; values computed by hand with sklearn's definitions:
// confusion [[2,1,0],[1,1,0],[0,1,3]]; column sums 3,3,3; row sums 3,2,4.
ClassificationMetrics hand_example() {
  return compute_metrics({"T1003", "T1059", "T1105"}, {0, 0, 0, 1, 1, 2, 2, 2, 2},
                         {0, 0, 1, 1, 0, 2, 2, 1, 2});
}

TEST(Metrics, ConfusionMatrixRowsAreActualColumnsPredicted) {
  const auto m = hand_example();
  const std::vector<std::vector<double>> expected = {{2, 1, 0}, {1, 1, 0}, {0, 1, 3}};
  EXPECT_EQ(m.confusion, expected);
  EXPECT_FALSE(m.weighted);
}

TEST(Metrics, PerClassAndAveragesMatchSklearnDefinitions) {
  const auto m = hand_example();
  constexpr double kTol = 1e-12;
  EXPECT_NEAR(m.accuracy, 6.0 / 9.0, kTol);
  // class 0: tp 2, predicted 3, true 3
  EXPECT_NEAR(m.per_class[0].precision, 2.0 / 3.0, kTol);
  EXPECT_NEAR(m.per_class[0].recall, 2.0 / 3.0, kTol);
  EXPECT_NEAR(m.per_class[0].f1, 2.0 / 3.0, kTol);
  EXPECT_EQ(m.per_class[0].support, 3.0);
  // class 1: tp 1, predicted 3, true 2 -> F1 = 2/(3+2)
  EXPECT_NEAR(m.per_class[1].precision, 1.0 / 3.0, kTol);
  EXPECT_NEAR(m.per_class[1].recall, 0.5, kTol);
  EXPECT_NEAR(m.per_class[1].f1, 0.4, kTol);
  // class 2: tp 3, predicted 3, true 4 -> F1 = 6/7
  EXPECT_NEAR(m.per_class[2].precision, 1.0, kTol);
  EXPECT_NEAR(m.per_class[2].recall, 0.75, kTol);
  EXPECT_NEAR(m.per_class[2].f1, 6.0 / 7.0, kTol);
  // macro: plain means; weighted: weights 3, 2, 4 over 9
  EXPECT_NEAR(m.macro_avg.precision, (2.0 / 3 + 1.0 / 3 + 1.0) / 3, kTol);
  EXPECT_NEAR(m.macro_avg.recall, (2.0 / 3 + 0.5 + 0.75) / 3, kTol);
  EXPECT_NEAR(m.macro_avg.f1, (2.0 / 3 + 0.4 + 6.0 / 7) / 3, kTol);
  EXPECT_NEAR(m.weighted_avg.precision, (3 * 2.0 / 3 + 2 * 1.0 / 3 + 4 * 1.0) / 9, kTol);
  EXPECT_NEAR(m.weighted_avg.recall, (3 * 2.0 / 3 + 2 * 0.5 + 4 * 0.75) / 9, kTol);
  EXPECT_NEAR(m.weighted_avg.f1, (3 * 2.0 / 3 + 2 * 0.4 + 4 * 6.0 / 7) / 9, kTol);
  EXPECT_EQ(m.macro_avg.support, 9.0);
  EXPECT_EQ(m.weighted_avg.support, 9.0);
}

// zero_division: a class never predicted has precision 0, a class absent everywhere scores 0 throughout
// and still counts in the macro average.
TEST(Metrics, ZeroDivisionGivesZeroWithoutNaN) {
  const auto m = compute_metrics({"a", "b", "c"}, {0, 1, 1}, {0, 0, 0});
  EXPECT_EQ(m.per_class[1].precision, 0.0);  // never predicted
  EXPECT_EQ(m.per_class[1].recall, 0.0);
  EXPECT_EQ(m.per_class[1].f1, 0.0);
  EXPECT_EQ(m.per_class[2].precision, 0.0);  // absent from truth and predictions
  EXPECT_EQ(m.per_class[2].f1, 0.0);
  EXPECT_EQ(m.per_class[2].support, 0.0);
  EXPECT_NEAR(m.per_class[0].precision, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.per_class[0].f1, 0.5, 1e-12);
  EXPECT_NEAR(m.macro_avg.f1, 0.5 / 3.0, 1e-12);
  EXPECT_NEAR(m.weighted_avg.f1, 0.5 / 3.0, 1e-12);  // supports 1, 2, 0
  const auto empty = compute_metrics({"a"}, {}, {});
  EXPECT_EQ(empty.accuracy, 0.0);
  EXPECT_FALSE(std::isnan(empty.weighted_avg.f1));
}

// Sample weights count as that many rows: confusion [[2,0],[3,1]].
TEST(Metrics, SampleWeightsScaleCounts) {
  const auto m = compute_metrics({"a", "b"}, {0, 1, 1}, {0, 1, 0}, {2.0, 1.0, 3.0});
  const std::vector<std::vector<double>> expected = {{2, 0}, {3, 1}};
  EXPECT_EQ(m.confusion, expected);
  EXPECT_TRUE(m.weighted);
  EXPECT_NEAR(m.accuracy, 0.5, 1e-12);
  EXPECT_NEAR(m.per_class[0].precision, 0.4, 1e-12);
  EXPECT_NEAR(m.per_class[0].f1, 4.0 / 7.0, 1e-12);
  EXPECT_NEAR(m.per_class[1].recall, 0.25, 1e-12);
  EXPECT_EQ(m.per_class[1].support, 4.0);
  EXPECT_NEAR(m.weighted_avg.precision, (0.4 * 2 + 1.0 * 4) / 6, 1e-12);
}

TEST(Metrics, RejectsMalformedInput) {
  EXPECT_THROW(compute_metrics({"a", "b"}, {0, 1}, {0}), InputError);
  EXPECT_THROW(compute_metrics({"a", "b"}, {0, 2}, {0, 1}), InputError);
  EXPECT_THROW(compute_metrics({"a", "b"}, {0, 1}, {0, -1}), InputError);
  EXPECT_THROW(compute_metrics({"a", "b"}, {0, 1}, {0, 1}, {1.0}), InputError);
  EXPECT_THROW(compute_metrics({"a", "b"}, {0, 1}, {0, 1}, {1.0, -2.0}), InputError);
  EXPECT_THROW(compute_metrics({}, {}, {}), InputError);
}

TEST(Metrics, MetricByNameAndDirection) {
  EvalResult r;
  r.metrics = hand_example();
  r.loss = 0.25;
  EXPECT_EQ(metric_value(r, "eval_loss"), 0.25);
  EXPECT_EQ(metric_value(r, "loss"), 0.25);
  EXPECT_EQ(metric_value(r, "accuracy"), r.metrics.accuracy);
  EXPECT_EQ(metric_value(r, "eval_accuracy"), r.metrics.accuracy);
  EXPECT_EQ(metric_value(r, "f1_macro"), r.metrics.macro_avg.f1);
  EXPECT_EQ(metric_value(r, "eval_f1_weighted"), r.metrics.weighted_avg.f1);
  EXPECT_FALSE(greater_is_better("eval_loss"));
  EXPECT_TRUE(greater_is_better("accuracy"));
  EXPECT_TRUE(greater_is_better("f1_macro"));
  EXPECT_TRUE(greater_is_better("eval_f1_weighted"));
  EXPECT_THROW(metric_value(r, "f1"), InputError);
  EXPECT_THROW(greater_is_better("precision"), InputError);
}

}  // namespace
}  // namespace attune::inference
