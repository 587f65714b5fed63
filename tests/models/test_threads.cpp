#include "models/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

namespace attune::models {
namespace {

// Restores torch's intra-op threads after a test changes them.
class Threads : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = at::get_num_threads(); }
  void TearDown() override { at::set_num_threads(saved_); }
  int saved_ = 1;
};

TEST_F(Threads, AutoKeepsEveryCpuForWideModelsAndOneForSmallOnes) {
  EXPECT_EQ(auto_intra_op_threads(768, 2), 2);
  EXPECT_EQ(auto_intra_op_threads(kSmallModelHiddenSize, 16), 16);
  EXPECT_EQ(auto_intra_op_threads(kSmallModelHiddenSize - 1, 16), 1);
  EXPECT_EQ(auto_intra_op_threads(256, 2), 1);
  EXPECT_EQ(auto_intra_op_threads(256, 1), 1);
  EXPECT_EQ(auto_intra_op_threads(1024, 0), 1);
}

TEST_F(Threads, SettleChangesOnlyAutoAndSaysSo) {
  at::set_num_threads(2);
  EXPECT_EQ(settle_auto_threads(/*configured_threads=*/2, 256), "");  // an explicit count is kept
  EXPECT_EQ(at::get_num_threads(), 2);
  EXPECT_EQ(settle_auto_threads(0, 768), "");  // wide: all threads stay
  EXPECT_EQ(at::get_num_threads(), 2);
  ThreadSettings settings;
  settings.intra_op_threads = 2;
  const std::string note = settle_auto_threads(0, 256, &settings);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(settings.intra_op_threads, 1);
  EXPECT_NE(note.find("threads: 1 (auto: a hidden size of 256"), std::string::npos) << note;
}

TEST(ThreadSettingsDescribe, SaysWhatIsInForceAndWhy) {
  ThreadSettings s;
  s.intra_op_threads = 2;
  s.available_cpus = 2;
  s.gomp_spincount = "10000";
  s.omp_wait_note = "auto: 0.03 of 2 CPUs busy at start";
  EXPECT_EQ(describe(s),
            "intra-op threads 2 of 2 CPUs, OpenMP wait spin (GOMP_SPINCOUNT=10000); auto: 0.03 of 2 CPUs "
            "busy at start");
  s = {};
  s.intra_op_threads = s.available_cpus = 1;
  s.omp_wait_policy = "PASSIVE";
  EXPECT_EQ(describe(s), "intra-op threads 1 of 1 CPUs, OpenMP wait OMP_WAIT_POLICY=PASSIVE");
}

}  // namespace
}  // namespace attune::models
