#include "trainer/process_memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace attune::trainer {

double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

bool reset_peak_rss() {
  malloc_trim(0);  // hand freed heap back first, so the new peak starts from what is really in use
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace attune::trainer
