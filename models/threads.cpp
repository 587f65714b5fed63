#include "models/threads.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

namespace attune::models {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace

ThreadSettings apply_thread_policy(int threads) {
  ThreadSettings s;
  s.available_cpus = affinity_cpus();
  at::set_num_threads(threads > 0 ? threads : s.available_cpus);
  try {
    at::set_num_interop_threads(1);  // throws once the inter-op pool has started; nothing to do then
  } catch (const std::exception&) {
  }
  s.intra_op_threads = at::get_num_threads();
  s.omp_wait_policy = env_or_empty("OMP_WAIT_POLICY");
  s.gomp_spincount = env_or_empty("GOMP_SPINCOUNT");
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

void ensure_omp_wait_policy(int argc, char** argv, const std::string& policy) {
  if (policy.empty() || argc < 1) return;
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("OMP_WAIT_POLICY", policy.c_str(), /*overwrite=*/1) != 0) return;
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  execv("/proc/self/exe", args.data());
  // exec failed: go on in this process (the variable is set but libgomp has already read its default).
}

std::string describe(const ThreadSettings& s) {
  return "intra-op threads " + std::to_string(s.intra_op_threads) + " of " +
         std::to_string(s.available_cpus) +
         " CPUs, OMP_WAIT_POLICY=" + (s.omp_wait_policy.empty() ? "(unset)" : s.omp_wait_policy) +
         (s.gomp_spincount.empty() ? "" : ", GOMP_SPINCOUNT=" + s.gomp_spincount);
}

}  // namespace attune::models
