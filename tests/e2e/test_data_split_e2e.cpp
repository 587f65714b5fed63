// data.split and data.group_rare end to end: build/bin/train on one counted CSV (the CTF study's shape: a
// dominant class, a minority technique and rare ones seen a few times) splits it 60/20/20, groups the rare
// labels as Z999 before splitting, trains a tiny random-init model on the counts as sample weights, and
// reports supports in observations; the same seed writes the same split files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::run_tool;
using attune::testing::slurp;
using attune::testing::write;

// 60 Normal commands seen 1-20 times each, 30 T1105 downloads seen 1-3 times, and two rare techniques
// with 3 and 2 observations.
std::string counted_csv() {
  std::string csv = "text,label,count\n";
  const char* tools[] = {"ls -la /var/www/html/", "cat /etc/hostname", "ps aux", "df -h /", "uptime"};
  for (int i = 0; i < 60; ++i)
    csv +=
        std::string(tools[i % 5]) + " #" + std::to_string(i) + ",Normal," + std::to_string(1 + i % 20) + "\n";
  for (int i = 0; i < 30; ++i)
    csv += "wget http://10.0.0." + std::to_string(i) + ":8000/x" + std::to_string(i) + " -O /tmp/x,T1105," +
           std::to_string(1 + i % 3) + "\n";
  csv += "crontab -l,T1053.003,2\ncrontab -e,T1053.003,1\nhistory -c,T1070.003,2\n";
  csv += "cat /etc/hostname #1,Normal,5\n";  // an identical row: merged, its count added
  return csv;
}

std::string config(const fs::path& data) {
  return "model:\n"
         "  random_init: {model_type: roberta, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: "
         "2,\n"
         "                intermediate_size: 64}\n"
         "  tokenizer: " +
         (attune::testing::shared_dir() / "tokenizers/roberta-base").string() +
         "\n"
         "  max_length: 32\n"
         "  num_threads: 1\n"
         "data:\n"
         "  split: {file: " +
         data.string() +
         ", train: 0.6, validation: 0.2, test: 0.2, seed: 5}\n"
         "  group_rare: {min_count: 10, label: Z999}\n"
         "peft: {method: lora, r: 4, lora_alpha: 8, modules_to_save: [classifier, word_embeddings]}\n"
         "training: {max_steps: 20, per_device_train_batch_size: 8, learning_rate: 5.0e-3, bf16: false,\n"
         "           save_strategy: 'no', logging_steps: 10}\n"
         "export: {merged: true, adapter: false}\n";
}

TEST(DataSplitE2E, CountedCsvSplitsGroupsRareLabelsAndTrains) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const fs::path dir = attune::testing::temp_dir("data-split-e2e");
  const auto data = write(dir / "ctf.csv", counted_csv());
  const auto cfg = write(dir / "ctf.yaml", config(data));
  const auto run = run_tool("train", {"--config", cfg.string(), "--output", (dir / "run").string()}, {},
                            dir / "train.log");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("2 rare labels grouped as Z999"), std::string::npos) << run.output;

  const auto manifest = read_json(dir / "run/data/manifest.json");
  EXPECT_EQ(manifest["rows_read"], 94);
  EXPECT_EQ(manifest["identical_rows_merged"], 1);
  EXPECT_EQ(manifest["group_rare"]["grouped"]["T1053.003"], 3.0);
  EXPECT_EQ(manifest["group_rare"]["grouped"]["T1070.003"], 2.0);
  const auto& splits = manifest["splits"];
  EXPECT_EQ(splits["test"]["labels"]["Normal"]["rows"], 12);
  EXPECT_EQ(splits["validation"]["labels"]["T1105"]["rows"], 6);
  EXPECT_EQ(splits["train"]["labels"]["Z999"]["rows"], 1);  // 3 rows: 1 / 1 / 1
  EXPECT_EQ(splits["train"]["rows"].get<int>() + splits["validation"]["rows"].get<int>() +
                splits["test"]["rows"].get<int>(),
            93);
  const std::string train_csv = slurp(dir / "run/data/train.csv");
  EXPECT_EQ(train_csv.rfind("text,label,count\n", 0), 0u) << train_csv.substr(0, 80);
  EXPECT_EQ(train_csv.find("T1053.003"), std::string::npos);

  // The test report counts observations: its support is the test split's observations.
  const auto report = read_json(dir / "run/test_report.json");
  double observations = 0;
  for (const auto& [label, counts] : splits["test"]["labels"].items())
    observations += counts["observations"].get<double>();
  double support = 0;
  for (const auto& [label, scores] : report["per_class"].items()) support += scores["support"].get<double>();
  EXPECT_DOUBLE_EQ(support, observations);
  EXPECT_TRUE(report["per_class"].contains("Z999")) << report.dump();

  // The same file and seed: the same split files.
  const auto again = run_tool(
      "train",
      {"--config", cfg.string(), "--output", (dir / "again").string(), "--set", "training.max_steps=1"}, {},
      dir / "again.log");
  ASSERT_EQ(again.status, 0) << again.output;
  for (const char* name : {"train.csv", "validation.csv", "test.csv"})
    EXPECT_EQ(slurp(dir / "run/data" / name), slurp(dir / "again/data" / name)) << name;
}

TEST(DataSplitE2E, CtfPresetGeneratesSplitsAndGroupsItsTail) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const fs::path dir = attune::testing::temp_dir("data-split-ctf");
  std::string yaml = config(dir / "unused.csv");
  const std::string split_line = "  split: {file: " + (dir / "unused.csv").string() +
                                 ", train: 0.6, validation: 0.2, test: 0.2, seed: 5}\n";
  const auto at = yaml.find(split_line);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, split_line.size(),
               "  generate: {preset: ctf, seed: 1, out_dir: " + (dir / "generated").string() +
                   "}\n  split: {train: 0.6, validation: 0.2, test: 0.2}\n");
  const auto cfg = write(dir / "ctf.yaml", yaml);
  const auto run = run_tool("train", {"--config", cfg.string(), "--output", (dir / "run").string()}, {},
                            dir / "train.log");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(fs::exists(dir / "generated/all.csv"));
  const auto manifest = read_json(dir / "run/data/manifest.json");
  EXPECT_EQ(manifest["source"], (dir / "generated/all.csv").string());
  EXPECT_GE(manifest["group_rare"]["grouped"].size(), 10u) << manifest.dump();
  const auto report = read_json(dir / "run/test_report.json");
  EXPECT_TRUE(report["per_class"].contains("Z999")) << report.dump();
  EXPECT_TRUE(report["per_class"].contains("T1083")) << report.dump();
}

}  // namespace
