// README command 1's path on a machine without roberta-base: `train` falls back to the embedded backbone
// (building it once, here from a tiny pretrain config), says so, names it with its weights' sha256 in
// its output, resolved config and reports, and reuses it on the next run. Without the fallback: exit 2.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "test_paths.h"
#include "tiny_pretrain_config.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::run_tool;
using attune::testing::slurp;
using attune::testing::write;
using nlohmann::json;

class TrainEmbedded : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = attune::testing::temp_dir("train-embedded");
    fs::create_directories(root_ / "configs");
    write(root_ / "configs" / "roberta-compact.yaml", attune::testing::kTinyRobertaCompactYaml);
    write(root_ / "train.yaml",
          "model: {name_or_path: roberta-base, fallback: embedded, max_length: 48, num_threads: 1}\n"
          "data: {generate: {preset: binary, seed: 1, out_dir: " +
              (root_ / "binary").string() +
              "}}\n"
              "peft: {method: lora, r: 2, lora_alpha: 4, target_modules: [query, value]}\n"
              "training: {max_steps: 3, per_device_train_batch_size: 8, per_device_eval_batch_size: 256, "
              "bf16: false,\n"
              "           eval_strategy: steps, eval_steps: 3}\n");
    env_ = {{"ATTUNE_MODELS_DIR", (root_ / "models").string()},
            {"ATTUNE_EMBEDDED_CONFIGS", (root_ / "configs").string()},
            {"HF_HUB_CACHE", (root_ / "hub").string()}};
  }
  attune::testing::ToolRun train(const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--config", (root_ / "train.yaml").string(), "--output",
                                  (root_ / out).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tool("train", args, env_, root_ / (out + ".log"));
  }
  fs::path root_;
  std::vector<std::pair<std::string, std::string>> env_;
};

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return in ? json::parse(in) : json::object();
}

TEST_F(TrainEmbedded, FallsBackSaysSoAndReusesTheBackbone) {
  const auto first = train("run1");
  ASSERT_EQ(first.status, 0) << first.output;
  const fs::path backbone = root_ / "models" / "embedded" / "roberta-compact";
  EXPECT_NE(first.output.find("'roberta-base' is not on this machine"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("building the embedded backbone roberta-compact"), std::string::npos)
      << first.output;
  std::smatch m;
  const std::regex line(
      "backbone: roberta-compact \\(embedded \\(fallback for roberta-base\\), ([^,]+), "
      "weights sha256 ([0-9a-f]{64})\\)");
  ASSERT_TRUE(std::regex_search(first.output, m, line)) << first.output;
  EXPECT_EQ(fs::path(m[1].str()), backbone);
  const std::string sha = m[2].str();

  const auto summary = read_json(root_ / "run1" / "run_summary.json");
  EXPECT_EQ(summary["backbone"]["sha256"], sha);
  EXPECT_EQ(summary["backbone"]["name"], "roberta-compact");
  // The run's cost is recorded with it: the threads it used and its peak resident memory.
  EXPECT_EQ(summary["num_threads"], 1);
  EXPECT_GT(summary["peak_rss_mib"].get<double>(), 10.0);
  EXPECT_EQ(read_json(root_ / "run1" / "test_report.json")["backbone"]["sha256"], sha);
  EXPECT_EQ(slurp(root_ / "run1" / "test_report.txt").rfind("backbone: roberta-compact", 0), 0u);
  EXPECT_NE(slurp(root_ / "run1" / "resolved_config.yaml").find("# backbone used: roberta-compact"),
            std::string::npos);
  // The adapter names its base by path, so PEFT finds it.
  EXPECT_EQ(
      read_json(root_ / "run1" / "export" / "adapter" / "adapter_config.json")["base_model_name_or_path"],
      backbone.string());

  const auto second = train("run2");
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(second.output.find("building the embedded backbone"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find(sha), std::string::npos);
}

TEST_F(TrainEmbedded, WithoutFallbackExitsTwoSayingWhereItLooked) {
  const auto run = train("nofallback", {"--set", "model.fallback=none"});
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("'roberta-base' not found"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find((root_ / "hub").string()), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("huggingface-cli download roberta-base"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(root_ / "models" / "embedded"));
}

}  // namespace
