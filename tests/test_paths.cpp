#include "test_paths.h"

#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

namespace attune::testing {

std::filesystem::path source_dir() {
  return ATTUNE_SOURCE_DIR;
}
std::filesystem::path bin_dir() {
  return ATTUNE_BIN_DIR;
}

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("ATTUNE_SHARED_DIR"); env && *env) return env;
  return std::filesystem::path(ATTUNE_SHARED_DIR_DEFAULT).lexically_normal();
}

bool shared_required() {
  const char* env = std::getenv("ATTUNE_REQUIRE_SHARED");
  return env && *env && std::string(env) != "0";
}

namespace {
struct TempDirs {
  std::mutex mutex;
  std::vector<std::filesystem::path> made;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& p : made) std::filesystem::remove_all(p, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}
}  // namespace

std::filesystem::path temp_dir(const std::string& tag) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             ("attune-test-" + tag + "-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  std::lock_guard<std::mutex> lock(temp_dirs().mutex);
  temp_dirs().made.push_back(dir);
  return dir;
}

}  // namespace attune::testing
