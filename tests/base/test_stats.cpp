// base/stats: the project's one percentile definition (numpy's linear interpolation).
#include "base/stats.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace attune {
namespace {

TEST(Stats, PercentileInterpolatesLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], q): 50 -> 2.5, 99 -> 3.97, 0 -> 1, 100 -> 4, 25 -> 1.75.
  const std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_NEAR(percentile(v, 99), 3.97, 1e-12);
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  EXPECT_DOUBLE_EQ(percentile(v, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile({7}, 99), 7);
}

TEST(Stats, PercentileRejectsNoValuesAndBadQ) {
  EXPECT_THROW(percentile({}, 50), std::invalid_argument);
  EXPECT_THROW(percentile({1, 2}, 101), std::invalid_argument);
  EXPECT_THROW(percentile({1, 2}, -1), std::invalid_argument);
}

}  // namespace
}  // namespace attune
