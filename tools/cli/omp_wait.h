// The OpenMP wait policy of every executable, chosen at process start-up. libgomp reads OMP_WAIT_POLICY /
// GOMP_SPINCOUNT once, when it is loaded, so the policy can only be set by the environment a process starts
// with: ensure_omp_wait_policy re-executes the program once with it set. models/threads.h's describe()
// reports what is in force.
#pragma once

#include <string>
#include <vector>

namespace attune::cli {

// How idle OpenMP threads wait for the next parallel region (libgomp reads it once, when it is loaded):
//   "passive": sleep at once (OMP_WAIT_POLICY=PASSIVE); every parallel region pays futex wake-ups.
//   "spin":    spin up to kOmpSpinCount iterations, then sleep (GOMP_SPINCOUNT=kOmpSpinCount).
//   "active":  spin without end (OMP_WAIT_POLICY=ACTIVE).
//   "auto":    "spin" when the CPUs this process may use were idle as it started (other work kept fewer than
//              kBusyCpusForPassive of them busy over kIdleSampleMs), else "passive".
// On idle CPUs brief spinning saves the futex wake-up of every parallel region; beside other busy work it
// steals their time, so passive wins there (figures: docs/performance.md).
constexpr const char* kOmpSpinCount = "10000";
constexpr double kBusyCpusForPassive = 0.5;
constexpr int kIdleSampleMs = 50;

// CPUs (of `cpus`, by index) kept busy between two /proc/stat snapshots: the sum over them of busy time
// (user, nice, system, irq, softirq, steal) over elapsed time. CPUs missing from either snapshot count 0.
double busy_cpus(const std::string& proc_stat_before, const std::string& proc_stat_after,
                 const std::vector<int>& cpus);

// busy_cpus over the CPUs this process may run on, sampled kIdleSampleMs apart; -1 when /proc/stat cannot
// be read.
double busy_cpus_now();

// The policy names ensure_omp_wait_policy takes (besides ""): auto, spin, passive, active, inherit.
const std::vector<std::string>& omp_wait_policies();

// The policy "auto" settles on for `busy` CPUs (busy < 0: unknown, "passive"); other policies unchanged.
std::string resolve_omp_wait(const std::string& policy, double busy);

// When OMP_WAIT_POLICY and GOMP_SPINCOUNT are both unset, sets them for `policy` (see above; "auto" is
// resolved here, sampling /proc/stat) and replaces the process with /proc/self/exe run with the same argv,
// noting the choice in ATTUNE_OMP_WAIT for describe() (apply_thread_policy reads it and removes it, so
// child processes do not inherit a note about another decision). Returns only if it did not re-execute: a
// variable already set, policy "" or "inherit", or exec failed (the variables are then unset again).
// Throws std::invalid_argument for a policy other than auto, spin, passive, active, inherit or "".
void ensure_omp_wait_policy(int argc, char** argv, const std::string& policy = "auto");

}  // namespace attune::cli
