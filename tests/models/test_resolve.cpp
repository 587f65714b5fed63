// Backbone resolution: directory, then the Hugging Face cache (HF_HUB_CACHE / HF_HOME / ~/.cache, refs/main),
// then the project's models/ folder; and the message when nothing holds it.
#include "models/resolve.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "models/model_factory.h"
#include "test_paths.h"

namespace attune::models {
namespace {

namespace fs = std::filesystem;
using attune::testing::shared_dir;
using attune::testing::temp_dir;

// Sets (or unsets, with nullopt) an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A minimal model dir (resolution only needs config.json).
void make_model_dir(const fs::path& dir, const std::string& marker) {
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"model_type\": \"roberta\", \"marker\": \"" << marker << "\"}\n";
}

// models--ORG--NAME/snapshots/<rev> in `cache`, optionally named by refs/main.
fs::path make_cached(const fs::path& cache, const std::string& folder, const std::string& rev, bool ref) {
  const fs::path snap = cache / folder / "snapshots" / rev;
  make_model_dir(snap, rev);
  if (ref) {
    fs::create_directories(cache / folder / "refs");
    std::ofstream(cache / folder / "refs" / "main") << rev << "\n";
  }
  return snap;
}

TEST(Resolve, AnExistingDirectoryWins) {
  const auto root = temp_dir("resolve-dir");
  make_model_dir(root / "mine", "dir");
  ScopedEnv cache("HF_HUB_CACHE", (root / "empty-cache").string());
  const auto r = resolve_model_dir((root / "mine").string());
  ASSERT_TRUE(r.dir);
  EXPECT_EQ(*r.dir, root / "mine");
  EXPECT_EQ(r.how, "directory");
}

TEST(Resolve, HubCacheHonoursRefsMain) {
  const auto root = temp_dir("resolve-cache");
  const auto wanted = make_cached(root / "hub", "models--microsoft--deberta-v3-base", "aaa111", /*ref=*/true);
  make_cached(root / "hub", "models--microsoft--deberta-v3-base", "zzz999",
              /*ref=*/false);  // newer, not main
  ScopedEnv cache("HF_HUB_CACHE", (root / "hub").string());
  const auto r = resolve_model_dir("microsoft/deberta-v3-base");
  ASSERT_TRUE(r.dir);
  EXPECT_EQ(*r.dir, wanted);
  EXPECT_EQ(r.how, "hf-cache");
}

TEST(Resolve, HfHomeAndHomeCacheLocations) {
  const auto root = temp_dir("resolve-home");
  ScopedEnv hub_cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  {
    ScopedEnv home("HF_HOME", (root / "hfhome").string());
    EXPECT_EQ(hf_hub_cache_dir(), root / "hfhome" / "hub");
    const auto snap = make_cached(root / "hfhome" / "hub", "models--roberta-base", "r1", /*ref=*/true);
    EXPECT_EQ(resolve_model_dir("roberta-base").dir, snap);
  }
  ScopedEnv hf_home("HF_HOME", std::nullopt);
  ScopedEnv home("HOME", (root / "user").string());
  EXPECT_EQ(hf_hub_cache_dir(), root / "user" / ".cache" / "huggingface" / "hub");
  const auto snap =
      make_cached(root / "user" / ".cache" / "huggingface" / "hub", "models--roberta-base", "r2",
                  /*ref=*/false);
  EXPECT_EQ(resolve_model_dir("roberta-base").dir, snap);
}

TEST(Resolve, ProjectFolderIsLast) {
  const auto root = temp_dir("resolve-project");
  ScopedEnv cache("HF_HUB_CACHE", (root / "hub").string());
  ScopedEnv models("ATTUNE_MODELS_DIR", (root / "models").string());
  make_model_dir(root / "models" / "roberta-base", "project");
  auto r = resolve_model_dir("roberta-base");
  ASSERT_TRUE(r.dir);
  EXPECT_EQ(r.how, "project");
  // The cache wins over the project folder.
  make_cached(root / "hub", "models--roberta-base", "c1", /*ref=*/true);
  r = resolve_model_dir("roberta-base");
  EXPECT_EQ(r.how, "hf-cache");
}

TEST(Resolve, NotFoundSaysWhereItLookedAndWhatToDo) {
  const auto root = temp_dir("resolve-missing");
  ScopedEnv cache("HF_HUB_CACHE", (root / "hub").string());
  ScopedEnv models("ATTUNE_MODELS_DIR", (root / "models").string());
  const auto r = resolve_model_dir("roberta-base");
  EXPECT_FALSE(r.dir);
  ASSERT_EQ(r.looked.size(), 3u);
  const auto message = not_found_message("roberta-base", r);
  EXPECT_NE(message.find((root / "hub").string()), std::string::npos) << message;
  EXPECT_NE(message.find((root / "models" / "roberta-base").string()), std::string::npos) << message;
  EXPECT_NE(message.find("huggingface-cli download roberta-base"), std::string::npos) << message;
}

// The case: a directory laid out like the HF cache with a tiny golden model; `roberta-base`
// resolves to it and loads as Hugging Face saved it.
TEST(Resolve, TinyGoldenModelInAHubCacheLoads) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  const auto root = temp_dir("resolve-golden");
  const fs::path snap = root / "hub" / "models--roberta-base" / "snapshots" / "0123abcd";
  fs::create_directories(snap);
  for (const char* f : {"config.json", "model.safetensors"})
    fs::copy_file(shared_dir() / "golden" / "roberta" / f, snap / f);
  fs::create_directories(root / "hub" / "models--roberta-base" / "refs");
  std::ofstream(root / "hub" / "models--roberta-base" / "refs" / "main") << "0123abcd";
  ScopedEnv cache("HF_HUB_CACHE", (root / "hub").string());
  const auto r = resolve_model_dir("roberta-base");
  ASSERT_TRUE(r.dir);
  EXPECT_EQ(*r.dir, snap);
  LoadReport report;
  const auto model = load_model(*r.dir, &report);
  EXPECT_TRUE(report.newly_initialized.empty());
  EXPECT_EQ(model->config.model_type, "roberta");
}

}  // namespace
}  // namespace attune::models
