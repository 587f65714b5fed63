// The CPU threading policy of every executable: torch's intra-op threads (OpenMP/oneDNN) and one inter-op
// thread. The OpenMP wait policy is chosen at process start-up (tools/cli/omp_wait.h); ThreadSettings
// reports what the process started with.
#pragma once

#include <string>

namespace attune::models {

struct ThreadSettings {
  int intra_op_threads = 0;     // what torch::get_num_threads() reports after the call
  int available_cpus = 0;       // CPUs this process may run on (sched_getaffinity)
  std::string omp_wait_policy;  // OMP_WAIT_POLICY as the process started ("" : unset, libgomp's default)
  std::string gomp_spincount;   // GOMP_SPINCOUNT likewise
  std::string omp_wait_note;    // why tools/cli/omp_wait chose them ("" : it did not)
};

// Sets torch's intra-op threads to `threads` (<= 0: the CPUs this process may run on, so a taskset or
// container limit is respected instead of oversubscribing) and inter-op threads to 1 where that can still
// be set. Call it once, early in main, before any tensor work. Returns what is in force.
ThreadSettings apply_thread_policy(int threads = 0);

// The intra-op threads that `num_threads: 0` (auto) settles on once the model is known: `available` for
// models of hidden size kSmallModelHiddenSize and up, one below it: a small model's matrices are too small
// to pay for the fork/join, while roberta-base shapes gain from each core (figures: docs/performance.md).
constexpr int kSmallModelHiddenSize = 512;
int auto_intra_op_threads(int hidden_size, int available);

// With `configured_threads` <= 0 (auto), sets torch's intra-op threads to auto_intra_op_threads(hidden_size,
// current) and returns a line saying so when that changed them; "" otherwise. `settings`, when given, is
// updated to the threads in force.
std::string settle_auto_threads(int configured_threads, int hidden_size, ThreadSettings* settings = nullptr);

// "intra-op threads 2 of 2 CPUs, OpenMP wait spin (GOMP_SPINCOUNT=10000); auto: 0.03 of 2 CPUs busy at
// start" for logs.
std::string describe(const ThreadSettings& settings);

}  // namespace attune::models
