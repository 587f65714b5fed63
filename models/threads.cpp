#include "models/threads.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include <ATen/Parallel.h>

#include "base/cpus.h"

namespace attune::models {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

ThreadSettings apply_thread_policy(int threads) {
  ThreadSettings s;
  s.available_cpus = available_cpus();
  at::set_num_threads(threads > 0 ? threads : s.available_cpus);
  try {
    at::set_num_interop_threads(1);  // throws once the inter-op pool has started; nothing to do then
  } catch (const std::exception&) {
  }
  s.intra_op_threads = at::get_num_threads();
  s.omp_wait_policy = env_or_empty("OMP_WAIT_POLICY");
  s.gomp_spincount = env_or_empty("GOMP_SPINCOUNT");
  // The note is read once and removed from the environment: it describes this process's start only.
  static const std::string note = [] {
    std::string n = env_or_empty("ATTUNE_OMP_WAIT");
    unsetenv("ATTUNE_OMP_WAIT");
    return n;
  }();
  s.omp_wait_note = note;
  return s;
}

int auto_intra_op_threads(int hidden_size, int available) {
  return hidden_size < kSmallModelHiddenSize ? 1 : std::max(1, available);
}

std::string settle_auto_threads(int configured_threads, int hidden_size, ThreadSettings* settings) {
  if (configured_threads > 0) return "";
  const int now = at::get_num_threads();
  const int wanted = auto_intra_op_threads(hidden_size, now);
  if (wanted == now) return "";
  at::set_num_threads(wanted);
  if (settings) settings->intra_op_threads = at::get_num_threads();
  return "threads: " + std::to_string(wanted) + " (auto: a hidden size of " + std::to_string(hidden_size) +
         " runs faster on one thread than on " + std::to_string(now) + "; model.num_threads overrides)";
}

std::string describe(const ThreadSettings& s) {
  std::string wait;
  if (s.omp_wait_policy.empty() && s.gomp_spincount.empty())
    wait = "libgomp's default (OMP_WAIT_POLICY, GOMP_SPINCOUNT unset)";
  else if (s.omp_wait_policy.empty())
    wait = "spin (GOMP_SPINCOUNT=" + s.gomp_spincount + ")";
  else
    wait = "OMP_WAIT_POLICY=" + s.omp_wait_policy +
           (s.gomp_spincount.empty() ? "" : ", GOMP_SPINCOUNT=" + s.gomp_spincount);
  if (!s.omp_wait_note.empty()) wait += "; " + s.omp_wait_note;
  return "intra-op threads " + std::to_string(s.intra_op_threads) + " of " +
         std::to_string(s.available_cpus) + " CPUs, OpenMP wait " + wait;
}

}  // namespace attune::models
