#include "base/process_memory.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/types.h>

#include <fstream>
#include <string>

namespace attune {

namespace {

// jemalloc's control interface, looked up at run time so that libraries and tests linked without jemalloc
// keep working on glibc's malloc.
using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
Mallctl mallctl_fn() {
  static const auto fn = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  return fn;
}

// jemalloc 5's MALLCTL_ARENAS_ALL: "arena.4096.purge" purges every arena.
constexpr const char* kPurgeAllArenas = "arena.4096.purge";

}  // namespace

double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

bool reset_peak_rss() {
  // Hand freed memory back first, so the new peak starts from what is really in use.
  if (const auto mallctl = mallctl_fn()) mallctl(kPurgeAllArenas, nullptr, nullptr, nullptr, 0);
  malloc_trim(0);
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::string allocator_description() {
  const auto mallctl = mallctl_fn();
  if (!mallctl) return "glibc malloc";
  const char* version = nullptr;
  size_t size = sizeof version;
  std::string out = "jemalloc";
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) out += std::string(" ") + version;
  std::string decays;
  for (const char* opt : {"opt.dirty_decay_ms", "opt.muzzy_decay_ms"}) {
    ssize_t ms = 0;
    size = sizeof ms;
    if (mallctl(opt, &ms, &size, nullptr, 0) == 0)
      decays += std::string(decays.empty() ? "" : ", ") + (opt + 4) + " " + std::to_string(ms);
  }
  return decays.empty() ? out : out + " (" + decays + ")";
}

}  // namespace attune
