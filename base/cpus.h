// The CPUs this process may run on, as the scheduler sees them (a taskset or container limit included).
#pragma once

#include <vector>

namespace attune {

// The CPU indices in this process's affinity mask (empty when the mask cannot be read).
std::vector<int> affinity_cpu_list();

// How many CPUs this process may run on: the affinity mask's count, else the online CPUs, at least 1.
int available_cpus();

}  // namespace attune
