// Helpers the libFuzzer targets share: a private scratch dir (for parsers that read files) and the split of
// one fuzz input into several files.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace attune::fuzz {

// One input holds several files separated by this line; the dictionaries name it so mutations keep it.
inline constexpr std::string_view kFileSeparator = "\n=====\n";

// The input cut at kFileSeparator into at most `max_parts` parts (the last keeps any further separators).
inline std::vector<std::string> split_files(std::string_view input, std::size_t max_parts) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    const auto at = input.find(kFileSeparator);
    if (at == std::string_view::npos) break;
    parts.emplace_back(input.substr(0, at));
    input.remove_prefix(at + kFileSeparator.size());
  }
  parts.emplace_back(input);
  return parts;
}

// A dir of this process's own under /dev/shm (or the temp dir), emptied on first use. libFuzzer may end
// the process without running exit handlers, so the dirs of processes that are gone are removed here.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = "/dev/shm";
    if (!fs::is_directory(base, ec)) base = fs::temp_directory_path();
    const std::string prefix = "attune-fuzz-";
    for (const auto& entry : fs::directory_iterator(base, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
        fs::remove_all(entry.path(), ec);
    }
    auto d = base / (prefix + std::to_string(::getpid()));
    fs::remove_all(d, ec);
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(scratch_dir(), ignored);
    });
    return d;
  }();
  return dir;
}

// Writes `content` to scratch_dir()/name and returns the path.
inline std::filesystem::path write_scratch(const std::string& name, std::string_view content) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) std::abort();  // the scratch dir must work, or the target tests nothing
  return path;
}

// Removes scratch_dir()/name when it is there.
inline void remove_scratch(const std::string& name) {
  std::error_code ec;
  std::filesystem::remove(scratch_dir() / name, ec);
}

}  // namespace attune::fuzz
