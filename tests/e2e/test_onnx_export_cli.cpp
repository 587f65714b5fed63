// `export --onnx` as a user runs it: on a training run (model.onnx lands in <out>/merged beside the
// Hugging Face files) and with --merged-dir on a merged dir exported earlier, plus its usage errors. The
// graphs themselves are checked against attune's logits in tests/inference/test_onnx_export.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::run_tool;
using attune::testing::slurp;

TEST(OnnxExportCli, MergedDirGetsModelOnnx) {
  const fs::path dir = attune::testing::temp_dir("onnx-cli-dir") / "merged";
  auto config = attune::models::default_hf_config("bert");
  config.vocab_size = 50;
  config.hidden_size = 16;
  config.num_hidden_layers = 1;
  config.num_attention_heads = 2;
  config.intermediate_size = 20;
  config.max_position_embeddings = 32;
  attune::models::set_labels(config, {"Benign", "T1059.004"});
  attune::models::save_model(*attune::models::create_model(config, 3), dir, torch::kBFloat16);
  const auto r = run_tool("export", {"--onnx", "--merged-dir", dir.string()}, {}, dir.parent_path() / "log");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("wrote " + (dir / "model.onnx").string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bf16 weights"), std::string::npos) << r.output;
  EXPECT_GT(fs::file_size(dir / "model.onnx"), 1000u);
  // Written again from the same dir: the same bytes.
  const std::string first = slurp(dir / "model.onnx");
  ASSERT_EQ(
      run_tool("export", {"--onnx", "--merged-dir", dir.string()}, {}, dir.parent_path() / "log").status, 0);
  EXPECT_EQ(slurp(dir / "model.onnx"), first);
}

TEST(OnnxExportCli, UsageErrorsExitTwo) {
  const fs::path work = attune::testing::temp_dir("onnx-cli-usage");
  const std::vector<std::vector<std::string>> bad = {
      {"--merged-dir", work.string()},                                    // without --onnx
      {"--onnx", "--merged-dir", work.string(), "--run", work.string()},  // both forms
      {"--onnx"},                                                         // neither
      {"--onnx", "--merged-dir", (work / "absent").string()},             // no such dir
  };
  for (const auto& args : bad) {
    const auto r = run_tool("export", args, {}, work / "log");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_FALSE(fs::exists(work / "model.onnx"));
  }
  const auto help = run_tool("export", {"--help"}, {}, work / "log");
  EXPECT_EQ(help.status, 0);
  for (const char* word : {"--onnx", "--merged-dir", "model.onnx", "input_ids", "attention_mask", "logits"})
    EXPECT_NE(help.output.find(word), std::string::npos) << word << "\n" << help.output;
}

TEST(OnnxExportCli, RunExportWritesModelOnnxIntoMerged) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const fs::path work = attune::testing::temp_dir("onnx-cli-run");
  const auto train = run_tool(
      "train",
      {"--config", (attune::testing::source_dir() / "configs/tiny_lora.yaml").string(), "--output",
       (work / "run").string(), "--set", "data.generate.out_dir=" + (work / "data").string(), "--set",
       "model.tokenizer=" + (attune::testing::shared_dir() / "tokenizers/roberta-base").string(), "--set",
       "training.max_steps=4", "--set", "training.eval_steps=2", "--set", "training.logging_steps=2"},
      {}, work / "train.log");
  ASSERT_EQ(train.status, 0) << train.output;
  const auto r =
      run_tool("export", {"--run", (work / "run").string(), "--out", (work / "out").string(), "--onnx"}, {},
               work / "export.log");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* f : {"config.json", "model.safetensors", "attune.json", "model.onnx"})
    EXPECT_TRUE(fs::exists(work / "out/merged" / f)) << f;
  EXPECT_FALSE(fs::exists(work / "out/adapter"));
  EXPECT_NE(r.output.find("fp32 weights"), std::string::npos) << r.output;
  // The same graph as --merged-dir builds from the merged dir.
  const fs::path copy = work / "copy";
  fs::create_directories(copy);
  for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(work / "out/merged" / f, copy / f);
  ASSERT_EQ(run_tool("export", {"--onnx", "--merged-dir", copy.string()}, {}, work / "log").status, 0);
  EXPECT_EQ(slurp(copy / "model.onnx"), slurp(work / "out/merged/model.onnx"));
}

}  // namespace
