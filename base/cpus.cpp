#include "base/cpus.h"

#include <sched.h>
#include <unistd.h>

namespace attune {

std::vector<int> affinity_cpu_list() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return out;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set)) out.push_back(i);
  return out;
}

int available_cpus() {
  if (const auto cpus = affinity_cpu_list(); !cpus.empty()) return static_cast<int>(cpus.size());
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace attune
