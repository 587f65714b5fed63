#include "trainer/embedded.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file_digest.h"
#include "models/resolve.h"
#include "trainer/checkpoint.h"
#include "trainer/config.h"
#include "trainer/pretrain/pretrain.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {

bool finished(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "pretraining.json", ec) && fs::exists(dir / "model.safetensors", ec) &&
         fs::exists(dir / "config.json", ec);
}

// Why a finished dir cannot be used as it is ("" when it can): its weights are not the ones its
// pretraining.json records (a damaged file, or a Git LFS pointer), or it was built from another version of
// its pretrain config. `weights` is the sha256 of its model.safetensors.
std::string stale_reason(const fs::path& dir, const fs::path& config_file, const std::string& weights) {
  nlohmann::json record;
  {
    std::ifstream in(dir / "pretraining.json");
    record = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  if (record.is_discarded() || !record.is_object()) return "its pretraining.json cannot be read";
  if (record.value("weights_sha256", std::string()) != weights)
    return "its model.safetensors (sha256 " + weights.substr(0, 12) +
           "…) is not the file its pretraining.json records (a damaged copy or a Git LFS pointer?)";
  const auto& cfg = record.contains("config") ? record["config"] : nlohmann::json();
  std::error_code ec;
  if (fs::exists(config_file, ec) && cfg.is_object()) {
    const std::string now = sha256_file(config_file);
    if (cfg.value("sha256", std::string()) != now)
      return "it was built from another version of " + config_file.string() + " (sha256 " +
             cfg.value("sha256", std::string("?")).substr(0, 12) + "…, now " + now.substr(0, 12) + "…)";
  }
  return "";
}

// An exclusive flock held for the object's life.
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : fd_(::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw InputError(file.string() + ": cannot create the lock file of the embedded backbone");
    ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace

const std::vector<std::string>& embedded_backbone_names() {
  static const std::vector<std::string> names{"roberta-compact", "deberta-v3-compact"};
  return names;
}

std::string embedded_backbone_for(const std::string& name_or_path) {
  std::string lower = name_or_path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("deberta") != std::string::npos ? "deberta-v3-compact" : "roberta-compact";
}

fs::path embedded_config_dir() {
  if (const char* env = std::getenv("ATTUNE_EMBEDDED_CONFIGS"); env && *env) return env;
  return fs::path(ATTUNE_PROJECT_DIR) / "configs" / "embedded";
}

EmbeddedBackbone ensure_embedded_backbone(const std::string& name, bool rebuild) {
  const auto& names = embedded_backbone_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError("unknown embedded backbone '" + name +
                     "' (expected roberta-compact or deberta-v3-compact)");
  const fs::path root = models::project_models_dir() / "embedded";
  const fs::path dir = root / name;
  EmbeddedBackbone b{name, dir, "", false};
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw InputError(root.string() + ": cannot create the embedded backbones' folder: " + ec.message());
  std::string weights;  // the sha256 of a finished dir's weights, hashed once
  {
    FileLock lock(root / ("." + name + ".lock"));
    const fs::path config_file = embedded_config_dir() / (name + ".yaml");
    if (!rebuild && finished(dir)) {
      weights = sha256_file(dir / "model.safetensors");
      const std::string why = stale_reason(dir, config_file, weights);
      if (!why.empty()) {
        std::cout << "the embedded backbone in " << dir.string() << " is rebuilt: " << why << "\n";
        rebuild = true;
      }
    }
    if (rebuild) fs::remove_all(dir);
    if (!finished(dir)) {
      if (!fs::exists(config_file))
        throw InputError(config_file.string() + ": the pretrain config of the embedded backbone '" + name +
                         "' is missing (set ATTUNE_EMBEDDED_CONFIGS to the folder that holds it)");
      const fs::path work = root / ".build" / name;
      std::vector<Override> overrides{
          {"training.output_dir", work.string(), /*literal=*/true, "embedded build"},
          {"pretrain.save_dir", dir.string(), /*literal=*/true, "embedded build"}};
      const bool resume = !find_checkpoint(work).empty();
      if (resume)
        overrides.push_back(
            {"training.resume_from_checkpoint", "latest", /*literal=*/true, "embedded build"});
      const Config config = load_config(config_file, overrides);
      std::cout << "building the embedded backbone " << name << " (once; cached in " << dir.string()
                << ") from " << config_file.string() << (resume ? ", resuming an interrupted build" : "")
                << "\n"
                << std::flush;
      run_pretraining(config);
      fs::copy_file(work / "metrics.jsonl", dir / "pretraining_metrics.jsonl",
                    fs::copy_options::overwrite_existing, ec);
      fs::remove_all(work, ec);
      b.built_now = true;
    }
  }
  b.sha256 = b.built_now || weights.empty() ? sha256_file(dir / "model.safetensors") : weights;
  return b;
}

}  // namespace attune::trainer
