// The embedded backbones are built bit-reproducibly: each shipped pretrain config (configs/embedded/), run
// on a short schedule in two separate processes, writes the same weights and tokenizer files, bf16
// autocast, dropout and the benign world's lines included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/file_digest.h"
#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::run_tool;

class PretrainReproducible : public ::testing::TestWithParam<std::string> {};

TEST_P(PretrainReproducible, ShortScheduleTwiceGivesTheSameFiles) {
  const std::string name = GetParam();
  const auto root = attune::testing::temp_dir("pretrain-repro-" + name);
  const auto config = attune::testing::source_dir() / "configs" / "embedded" / (name + ".yaml");
  std::vector<nlohmann::json> records;
  for (const std::string run : {"a", "b"}) {
    const auto r = run_tool(
        "pretrain",
        {"--config", config.string(), "--output", (root / run).string(), "--set", "training.max_steps=6",
         "--set", "pretrain.corpus.generated_rows=3000", "--set", "training.logging_steps=2"},
        {}, root / (run + ".log"));
    ASSERT_EQ(r.status, 0) << r.output;
    records.push_back(read_json(root / run / "model" / "pretraining.json"));
  }
  const auto& a = records[0];
  EXPECT_EQ(a["training"]["steps"], 6);
  EXPECT_EQ(a["save_dtype"], "bf16");
  EXPECT_TRUE(a["training"]["bf16"].get<bool>());
  EXPECT_EQ(a["corpus"]["benign_world"]["repeats"], 4);
  EXPECT_GT(a["corpus"]["benign_world"]["lines"].get<int64_t>(), 1000);
  EXPECT_EQ(a["config"]["sha256"], attune::sha256_file(config));
  EXPECT_EQ(a["weights_sha256"], records[1]["weights_sha256"]);
  for (const auto& entry : fs::directory_iterator(root / "a" / "model")) {
    const auto file = entry.path().filename();
    if (file == "pretraining.json") continue;  // it records the run's times
    EXPECT_EQ(attune::sha256_file(entry.path()), attune::sha256_file(root / "b" / "model" / file)) << file;
  }
  // The loss curves match step for step too.
  EXPECT_EQ(a["loss_curve"], records[1]["loss_curve"]);
}

INSTANTIATE_TEST_SUITE_P(Embedded, PretrainReproducible,
                         ::testing::Values("roberta-compact", "deberta-v3-compact"), [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
