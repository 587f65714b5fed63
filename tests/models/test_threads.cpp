#include "models/threads.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <thread>

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

// /proc/stat's per-CPU lines: busy = user+nice+system+irq+softirq+steal over all time, per CPU asked for.
TEST(OmpWait, BusyCpusSumsTheAskedCpusShareOfBusyTime) {
  const std::string before =
      "cpu  300 0 100 1000 0 0 0 0 0 0\n"
      "cpu0 100 0 50 500 0 0 0 0 0 0\n"
      "cpu1 200 0 50 500 0 0 0 0 0 0\n"
      "intr 12345\n";
  // cpu0: +90 user +10 system, +0 idle (fully busy); cpu1: +25 busy (user 10, irq 5, steal 10), +75
  // idle+iowait.
  const std::string after =
      "cpu  ignored\n"
      "cpu0 190 0 60 500 0 0 0 0 0 0\n"
      "cpu1 210 0 50 570 5 5 0 10 0 0\n";
  EXPECT_DOUBLE_EQ(busy_cpus(before, after, {0}), 1.0);
  EXPECT_DOUBLE_EQ(busy_cpus(before, after, {1}), 0.25);
  EXPECT_DOUBLE_EQ(busy_cpus(before, after, {0, 1}), 1.25);
  EXPECT_DOUBLE_EQ(busy_cpus(before, after, {2}), 0.0);      // not in the snapshots
  EXPECT_DOUBLE_EQ(busy_cpus(before, before, {0, 1}), 0.0);  // no time passed
  EXPECT_DOUBLE_EQ(busy_cpus("garbage", after, {0, 1}), 0.0);
}

TEST(OmpWait, AutoSpinsOnIdleCpusAndSleepsOnBusyOnes) {
  EXPECT_EQ(resolve_omp_wait("auto", 0.0), "spin");
  EXPECT_EQ(resolve_omp_wait("auto", kBusyCpusForPassive - 0.01), "spin");
  EXPECT_EQ(resolve_omp_wait("auto", kBusyCpusForPassive), "passive");
  EXPECT_EQ(resolve_omp_wait("auto", 1.7), "passive");
  EXPECT_EQ(resolve_omp_wait("auto", -1), "passive");  // /proc/stat unreadable
  for (const char* p : {"spin", "passive", "active"}) EXPECT_EQ(resolve_omp_wait(p, 0.0), p);
  char name[] = "test";
  char* argv[] = {name, nullptr};
  EXPECT_THROW(ensure_omp_wait_policy(1, argv, "PASSIVE"), std::invalid_argument);  // the old spelling
  const double now = busy_cpus_now();  // this machine, now: a share of the CPUs we may use
  EXPECT_GE(now, 0.0);
  EXPECT_LE(now, static_cast<double>(std::thread::hardware_concurrency()) + 0.01);
}

TEST(OmpWait, DescribeSaysWhatIsInForceAndWhy) {
  ThreadSettings s;
  s.intra_op_threads = 2;
  s.available_cpus = 2;
  s.gomp_spincount = kOmpSpinCount;
  s.omp_wait_note = "auto: 0.03 of 2 CPUs busy at start";
  EXPECT_EQ(describe(s), std::string("intra-op threads 2 of 2 CPUs, OpenMP wait spin (GOMP_SPINCOUNT=") +
                             kOmpSpinCount + "); auto: 0.03 of 2 CPUs busy at start");
  s = {};
  s.intra_op_threads = s.available_cpus = 1;
  s.omp_wait_policy = "PASSIVE";
  EXPECT_EQ(describe(s), "intra-op threads 1 of 1 CPUs, OpenMP wait OMP_WAIT_POLICY=PASSIVE");
}

}  // namespace
}  // namespace attune::models
