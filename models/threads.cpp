#include "models/threads.h"

#include <sched.h>
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

#include <ATen/Parallel.h>

namespace attune::models {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The CPU indices this process may run on (empty when the mask cannot be read).
std::vector<int> affinity_cpu_list() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return out;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set)) out.push_back(i);
  return out;
}

int affinity_cpus() {
  if (const auto cpus = affinity_cpu_list(); !cpus.empty()) return static_cast<int>(cpus.size());
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

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
                : ": " + busy_text.str() + " of " + std::to_string(affinity_cpus()) + " CPUs busy at start";
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
