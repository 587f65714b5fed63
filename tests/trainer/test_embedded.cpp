// The embedded backbones: built once into models/embedded/NAME from their pretrain config, then reused;
// a run whose backbone is not on the machine falls back to them only when the config allows it.
#include "trainer/embedded.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "base/errors.h"
#include "base/file_digest.h"
#include "test_paths.h"
#include "tiny_pretrain_config.h"
#include "trainer/run.h"

namespace attune::trainer {
namespace {

namespace fs = std::filesystem;

// Points ATTUNE_MODELS_DIR, ATTUNE_EMBEDDED_CONFIGS and HF_HUB_CACHE at a fresh folder holding a tiny
// roberta-compact.yaml, for the test's life.
class EmbeddedFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = attune::testing::temp_dir("embedded");
    fs::create_directories(root_ / "configs");
    std::ofstream(root_ / "configs" / "roberta-compact.yaml") << attune::testing::kTinyRobertaCompactYaml;
    set("ATTUNE_MODELS_DIR", (root_ / "models").string());
    set("ATTUNE_EMBEDDED_CONFIGS", (root_ / "configs").string());
    set("HF_HUB_CACHE", (root_ / "hub").string());
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_)
      value.empty() ? ::unsetenv(name.c_str()) : ::setenv(name.c_str(), value.c_str(), 1);
  }
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? old : "");
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  fs::path root_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST(EmbeddedNames, FamilyOfTheRequestedBackbone) {
  EXPECT_EQ(embedded_backbone_for("roberta-base"), "roberta-compact");
  EXPECT_EQ(embedded_backbone_for("microsoft/deberta-v3-base"), "deberta-v3-compact");
  EXPECT_EQ(embedded_backbone_for("/models/DeBERTa-v3-large"), "deberta-v3-compact");
  EXPECT_EQ(embedded_backbone_for("bert-base-uncased"), "roberta-compact");
  EXPECT_THROW(ensure_embedded_backbone("gpt2"), InputError);
}

TEST_F(EmbeddedFixture, BuiltOnceThenReused) {
  const auto first = ensure_embedded_backbone("roberta-compact");
  EXPECT_TRUE(first.built_now);
  EXPECT_EQ(first.dir, root_ / "models" / "embedded" / "roberta-compact");
  EXPECT_EQ(first.sha256, sha256_file(first.dir / "model.safetensors"));
  EXPECT_EQ(first.sha256.size(), 64u);
  EXPECT_TRUE(fs::exists(first.dir / "pretraining_metrics.jsonl"));
  EXPECT_FALSE(fs::exists(root_ / "models" / "embedded" / ".build" / "roberta-compact"));
  const auto second = ensure_embedded_backbone("roberta-compact");
  EXPECT_FALSE(second.built_now);
  EXPECT_EQ(second.sha256, first.sha256);
  // Rebuilding gives the same weights: the build is deterministic.
  const auto again = ensure_embedded_backbone("roberta-compact", /*rebuild=*/true);
  EXPECT_TRUE(again.built_now);
  EXPECT_EQ(again.sha256, first.sha256);
}

// A shipped dir is used only while it is what its pretraining.json says and its config is the one it was
// built from; otherwise it is rebuilt, saying why.
TEST_F(EmbeddedFixture, StaleOrDamagedBackboneIsRebuilt) {
  const auto first = ensure_embedded_backbone("roberta-compact");
  ASSERT_TRUE(first.built_now);
  // Damaged weights (a Git LFS pointer in their place, say).
  std::ofstream(first.dir / "model.safetensors", std::ios::trunc)
      << "version https://git-lfs.github.com/spec/v1\n";
  ::testing::internal::CaptureStdout();
  const auto repaired = ensure_embedded_backbone("roberta-compact");
  const std::string said = ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(repaired.built_now);
  EXPECT_EQ(repaired.sha256, first.sha256);
  EXPECT_NE(said.find("is not the file its pretraining.json records"), std::string::npos) << said;
  // The config changed since the build.
  std::ofstream(root_ / "configs" / "roberta-compact.yaml", std::ios::app) << "# edited\n";
  ::testing::internal::CaptureStdout();
  const auto rebuilt = ensure_embedded_backbone("roberta-compact");
  const std::string said2 = ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(rebuilt.built_now);
  EXPECT_NE(said2.find("another version of"), std::string::npos) << said2;
  // And once rebuilt, it is reused.
  EXPECT_FALSE(ensure_embedded_backbone("roberta-compact").built_now);
}

TEST_F(EmbeddedFixture, MissingConfigIsAClearError) {
  try {
    ensure_embedded_backbone("deberta-v3-compact");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("deberta-v3-compact.yaml"), std::string::npos) << e.what();
  }
}

TEST_F(EmbeddedFixture, RunFallsBackOnlyWhenAllowed) {
  const std::string yaml =
      "model: {name_or_path: roberta-base, fallback: FALLBACK}\ndata: {generate: {preset: binary}}\n";
  auto with = [&](const std::string& fallback) {
    std::string y = yaml;
    y.replace(y.find("FALLBACK"), 8, fallback);
    return parse_config(y, "fallback.yaml");
  };
  try {
    resolve_backbone(with("none"));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'roberta-base' not found"), std::string::npos) << m;
    EXPECT_NE(m.find((root_ / "hub").string()), std::string::npos) << m;
  }
  const auto b = resolve_backbone(with("embedded"));
  EXPECT_EQ(b.name, "roberta-compact");
  EXPECT_EQ(b.dir, root_ / "models" / "embedded" / "roberta-compact");
  EXPECT_NE(b.how.find("fallback for roberta-base"), std::string::npos) << b.how;
  EXPECT_EQ(b.sha256, sha256_file(b.dir / "model.safetensors"));
  EXPECT_EQ(b.to_json()["sha256"], b.sha256);
  EXPECT_NE(b.describe().find(b.sha256), std::string::npos);
}

// A checkpoint in the HF cache wins over the fallback, and the run names its weights' hash too.
TEST_F(EmbeddedFixture, HubCacheCheckpointIsUsedWhenPresent) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  const fs::path snap = root_ / "hub" / "models--roberta-base" / "snapshots" / "abc";
  fs::create_directories(snap);
  for (const char* f : {"config.json", "model.safetensors"})
    fs::copy_file(attune::testing::shared_dir() / "golden" / "roberta" / f, snap / f);
  const auto b = resolve_backbone(parse_config(
      "model: {name_or_path: roberta-base, fallback: embedded}\ndata: {generate: {preset: binary}}\n",
      "c.yaml"));
  EXPECT_EQ(b.how, "hf-cache");
  EXPECT_EQ(b.dir, snap);
  EXPECT_EQ(b.sha256, sha256_file(snap / "model.safetensors"));
  EXPECT_FALSE(fs::exists(root_ / "models" / "embedded" / "roberta-compact"));  // nothing was built
}

}  // namespace
}  // namespace attune::trainer
