#include "models/resolve.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace attune::models {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool is_model_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::exists(dir / "config.json", ec);
}

// models--ORG--NAME/snapshots/<rev>: the rev refs/main names, else the only (or newest) snapshot.
std::optional<fs::path> cached_snapshot(const fs::path& cache, const std::string& repo_id) {
  std::string folder = "models--";
  for (char c : repo_id) folder += (c == '/') ? std::string("--") : std::string(1, c);
  const fs::path repo = cache / folder;
  std::error_code ec;
  if (!fs::is_directory(repo / "snapshots", ec)) return std::nullopt;
  std::ifstream ref(repo / "refs" / "main");
  std::string rev;
  if (ref && std::getline(ref, rev)) {
    while (!rev.empty() && (rev.back() == '\n' || rev.back() == '\r' || rev.back() == ' ')) rev.pop_back();
    if (!rev.empty() && is_model_dir(repo / "snapshots" / rev)) return repo / "snapshots" / rev;
  }
  std::optional<fs::path> newest;
  fs::file_time_type newest_time{};
  for (const auto& entry : fs::directory_iterator(repo / "snapshots", ec)) {
    if (!is_model_dir(entry.path())) continue;
    const auto t = fs::last_write_time(entry.path(), ec);
    if (!newest || t > newest_time) newest = entry.path(), newest_time = t;
  }
  return newest;
}

}  // namespace

fs::path hf_hub_cache_dir() {
  if (auto v = env("HF_HUB_CACHE"); !v.empty()) return v;
  if (auto v = env("HF_HOME"); !v.empty()) return fs::path(v) / "hub";
  if (auto v = env("XDG_CACHE_HOME"); !v.empty()) return fs::path(v) / "huggingface" / "hub";
  return fs::path(env("HOME")) / ".cache" / "huggingface" / "hub";
}

fs::path project_models_dir() {
  if (auto v = env("ATTUNE_MODELS_DIR"); !v.empty()) return v;
#ifdef ATTUNE_PROJECT_DIR
  return fs::path(ATTUNE_PROJECT_DIR) / "models";
#else
  return fs::current_path() / "models";
#endif
}

Resolution resolve_model_dir(const std::string& name_or_path) {
  Resolution r;
  if (name_or_path.empty()) return r;
  const fs::path as_path(name_or_path);
  r.looked.push_back("directory " + as_path.string());
  if (is_model_dir(as_path)) {
    r.dir = as_path;
    r.how = "directory";
    return r;
  }
  const fs::path cache = hf_hub_cache_dir();
  r.looked.push_back("Hugging Face cache " + cache.string());
  if (auto snap = cached_snapshot(cache, name_or_path)) {
    r.dir = *snap;
    r.how = "hf-cache";
    return r;
  }
  const fs::path project = project_models_dir() / name_or_path;
  r.looked.push_back("project folder " + project.string());
  if (is_model_dir(project)) {
    r.dir = project;
    r.how = "project";
  }
  return r;
}

std::string not_found_message(const std::string& name_or_path, const Resolution& resolution) {
  std::ostringstream out;
  out << "model.name_or_path: backbone '" << name_or_path << "' not found (looked in: ";
  for (size_t i = 0; i < resolution.looked.size(); ++i) out << (i ? "; " : "") << resolution.looked[i];
  out << "). Place a downloaded Hugging Face checkpoint (config.json, model.safetensors, tokenizer files) "
         "in one of those places, e.g. `huggingface-cli download "
      << name_or_path << "` on a machine with internet, then copy its cache folder here";
  return out.str();
}

}  // namespace attune::models
