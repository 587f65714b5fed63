// The CPU threading policy of every executable: torch's intra-op threads (OpenMP/oneDNN), one inter-op
// thread, and the OpenMP wait policy. libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, when it is
// loaded, so the wait policy can only be chosen by the environment a process starts with:
// ensure_omp_wait_policy re-executes the program once with it set.
#pragma once

#include <string>

namespace attune::models {

struct ThreadSettings {
  int intra_op_threads = 0;     // what torch::get_num_threads() reports after the call
  int available_cpus = 0;       // CPUs this process may run on (sched_getaffinity)
  std::string omp_wait_policy;  // OMP_WAIT_POLICY as the process started ("" : unset, libgomp's default)
  std::string gomp_spincount;   // GOMP_SPINCOUNT likewise
};

// Sets torch's intra-op threads to `threads` (<= 0: the CPUs this process may run on, so a taskset or
// container limit is respected instead of oversubscribing) and inter-op threads to 1 where that can still
// be set. Call it once, early in main, before any tensor work. Returns what is in force.
ThreadSettings apply_thread_policy(int threads = 0);

// The intra-op threads that `num_threads: 0` (auto) settles on once the model is known: `available` for
// models of hidden size kSmallModelHiddenSize and up, one below it. Measured on the 2-core VM
// (docs/performance.md): a hidden-256 RoBERTa trains LoRA at 371 samples/s on one thread and 298 on two
// (its matrices are too small to pay for the fork/join), while roberta-base shapes gain from each core.
constexpr int kSmallModelHiddenSize = 512;
int auto_intra_op_threads(int hidden_size, int available);

// With `configured_threads` <= 0 (auto), sets torch's intra-op threads to auto_intra_op_threads(hidden_size,
// current) and returns a line saying so when that changed them; "" otherwise. `settings`, when given, is
// updated to the threads in force.
std::string settle_auto_threads(int configured_threads, int hidden_size, ThreadSettings* settings = nullptr);

// When OMP_WAIT_POLICY and GOMP_SPINCOUNT are both unset, sets OMP_WAIT_POLICY=`policy` ("PASSIVE" or
// "ACTIVE") and replaces the process with /proc/self/exe run with the same argv (returns only if it
// did not re-execute: a variable already set, or exec failed). `policy` "" does nothing.
void ensure_omp_wait_policy(int argc, char** argv, const std::string& policy = "PASSIVE");

// "intra-op threads 2 of 2 CPUs, OMP_WAIT_POLICY=PASSIVE" for logs.
std::string describe(const ThreadSettings& settings);

}  // namespace attune::models
