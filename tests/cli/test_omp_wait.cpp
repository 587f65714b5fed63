#include "tools/cli/omp_wait.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace attune::cli {
namespace {

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

}  // namespace
}  // namespace attune::cli
