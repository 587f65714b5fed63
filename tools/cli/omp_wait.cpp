#include "tools/cli/omp_wait.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/cpus.h"

namespace attune::cli {

namespace {

struct CpuTime {
  uint64_t busy = 0, total = 0;
};

// "cpuN user nice system idle iowait irq softirq steal ..." lines of /proc/stat, by N.
std::map<int, CpuTime> parse_proc_stat(const std::string& text) {
  std::map<int, CpuTime> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[3])))
      continue;
    std::istringstream fields(line.substr(3));
    int cpu = -1;
    uint64_t v[8] = {};
    fields >> cpu;
    for (auto& x : v) fields >> x;  // fields the kernel does not have stay 0
    if (cpu < 0) continue;
    const uint64_t idle = v[3] + v[4];  // idle + iowait
    const uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    out[cpu] = {busy, busy + idle};
  }
  return out;
}

std::string read_proc_stat() {
  std::ifstream in("/proc/stat");
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : "";
}

}  // namespace

double busy_cpus(const std::string& before, const std::string& after, const std::vector<int>& cpus) {
  const auto a = parse_proc_stat(before), b = parse_proc_stat(after);
  double busy = 0;
  for (int cpu : cpus) {
    const auto i = a.find(cpu), j = b.find(cpu);
    if (i == a.end() || j == b.end() || j->second.total <= i->second.total) continue;
    busy += static_cast<double>(j->second.busy - std::min(j->second.busy, i->second.busy)) /
            static_cast<double>(j->second.total - i->second.total);
  }
  return busy;
}

double busy_cpus_now() {
  const auto cpus = affinity_cpu_list();
  const auto before = read_proc_stat();
  if (before.empty() || cpus.empty()) return -1;
  std::this_thread::sleep_for(std::chrono::milliseconds(kIdleSampleMs));
  const auto after = read_proc_stat();
  return after.empty() ? -1 : busy_cpus(before, after, cpus);
}

const std::vector<std::string>& omp_wait_policies() {
  static const std::vector<std::string> names = {"auto", "spin", "passive", "active", "inherit"};
  return names;
}

std::string resolve_omp_wait(const std::string& policy, double busy) {
  if (policy != "auto") return policy;
  return busy >= 0 && busy < kBusyCpusForPassive ? "spin" : "passive";
}

void ensure_omp_wait_policy(int argc, char** argv, const std::string& policy) {
  const auto& names = omp_wait_policies();
  if (!policy.empty() && std::find(names.begin(), names.end(), policy) == names.end())
    throw std::invalid_argument("OpenMP wait policy '" + policy +
                                "': expected auto, spin, passive, active or inherit");
  if (policy.empty() || policy == "inherit" || argc < 1) return;
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  const double busy = policy == "auto" ? busy_cpus_now() : -1;
  const std::string chosen = resolve_omp_wait(policy, busy);
  int failed = 0;
  if (chosen == "spin")
    failed = setenv("GOMP_SPINCOUNT", kOmpSpinCount, /*overwrite=*/1);
  else
    failed = setenv("OMP_WAIT_POLICY", chosen == "active" ? "ACTIVE" : "PASSIVE", /*overwrite=*/1);
  if (failed != 0) return;
  std::string note = policy;
  if (policy == "auto") {
    std::ostringstream busy_text;
    busy_text.precision(2);
    busy_text << busy;
    note += busy < 0
                ? " (CPU use unknown)"
                : ": " + busy_text.str() + " of " + std::to_string(available_cpus()) + " CPUs busy at start";
  }
  setenv("ATTUNE_OMP_WAIT", note.c_str(), /*overwrite=*/1);
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  execv("/proc/self/exe", args.data());
  // exec failed: go on in this process, where libgomp has read its default; unset what would say otherwise.
  unsetenv("GOMP_SPINCOUNT");
  unsetenv("OMP_WAIT_POLICY");
  unsetenv("ATTUNE_OMP_WAIT");
}

}  // namespace attune::cli
