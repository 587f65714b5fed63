#include "trainer/metrics_log.h"

#include <fstream>
#include <string>

#include "base/file_io.h"

namespace attune::trainer {

void append_metrics_line(const std::filesystem::path& file, const nlohmann::json& line) {
  std::ofstream out(file, std::ios::app);
  out << line.dump() << "\n";
}

void truncate_metrics_after(const std::filesystem::path& file, int64_t last_step) {
  std::ifstream in(file);
  if (!in) return;
  std::string line, kept;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).value("step", int64_t{0}) <= last_step) kept += line + "\n";
    } catch (const nlohmann::json::exception&) {
      // a line cut by a kill: dropped
    }
  }
  in.close();
  write_file_atomic(file, kept);  // a kill during the rewrite leaves the old log, not a cut one
}

}  // namespace attune::trainer
