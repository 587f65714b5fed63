// The calibrated operating point end to end: build/bin/train on configs/tiny_lora.yaml with
// export.max_benign_fpr writes the temperature and the operating point into attune.json, the test report
// and run_summary.json; build/bin/evaluate reproduces the report at the operating point; build/bin/predict
// labels by the rule (and by argmax with --no-operating-point); a benign label the data lacks is exit 2.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::run_tool;
using attune::testing::ToolRun;
using nlohmann::json;

// The bound the tiny run is given: 1 % of about 1,900 benign validation rows, 19 of them.
constexpr double kBound = 0.01;

fs::path data_dir() {
  static const fs::path dir = attune::testing::temp_dir("op-e2e-data") / "binary";
  return dir;
}

std::vector<std::string> train_args(const fs::path& out, const std::vector<std::string>& sets) {
  std::vector<std::string> args = {
      "--config", (attune::testing::source_dir() / "configs/tiny_lora.yaml").string(),
      "--output", out.string(),
      "--set",    "data.generate.out_dir=" + data_dir().string(),
      "--set",    "model.tokenizer=" + (attune::testing::shared_dir() / "tokenizers/roberta-base").string()};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  return args;
}

struct Run {
  fs::path out;
  ToolRun result;
};

const Run& tiny_run() {
  static const Run run = [] {
    Run r;
    r.out = attune::testing::temp_dir("op-e2e-run");
    r.result = run_tool("train", train_args(r.out, {"export.max_benign_fpr=" + std::to_string(kBound)}), {},
                        r.out / "train.log");
    return r;
  }();
  return run;
}

TEST(OperatingPointE2E, TrainRecordsTemperatureAndOperatingPoint) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto& run = tiny_run();
  ASSERT_EQ(run.result.status, 0) << run.result.output;
  EXPECT_NE(run.result.output.find("calibration: temperature "), std::string::npos) << run.result.output;
  for (const char* kind : {"merged", "adapter"}) {
    SCOPED_TRACE(kind);
    const json a = read_json(run.out / "export" / kind / "attune.json");
    ASSERT_TRUE(a.contains("operating_point")) << a.dump();
    EXPECT_GT(a["temperature"].get<double>(), 0.0);
    const auto& op = a["operating_point"];
    EXPECT_EQ(op["benign_label"], "Benign");
    EXPECT_EQ(op["max_benign_fpr"], kBound);
    EXPECT_LE(op["validation"]["benign_fpr"].get<double>(), kBound);
    EXPECT_GT(op["validation"]["benign_rows"].get<double>(), 1000.0);
    EXPECT_GT(op["validation"]["attack_recall"].get<double>(), 0.0);
    EXPECT_GT(op["threshold"].get<double>(), 0.5);  // stricter than argmax on two labels
  }
  const json report = read_json(run.out / "test_report.json");
  ASSERT_TRUE(report.contains("operating_point")) << report.dump();
  const auto& at_point = report["operating_point"];
  EXPECT_EQ(at_point["confusion_matrix"].size(), 2u);
  EXPECT_GE(at_point["thresholds"].size(), 4u);
  // Fewer false alarms at the operating point than at argmax (row Benign, column T1003.002).
  EXPECT_LE(at_point["confusion_matrix"][0][1].get<double>(), report["confusion_matrix"][0][1].get<double>());
  const json summary = read_json(run.out / "run_summary.json");
  EXPECT_EQ(summary["calibration"]["temperature"],
            read_json(run.out / "export/merged/attune.json")["temperature"]);
  EXPECT_TRUE(summary["test"].contains("operating_point"));
  std::ifstream text(run.out / "test_report.txt");
  std::stringstream ss;
  ss << text.rdbuf();
  EXPECT_NE(ss.str().find("Attack vs benign by threshold"), std::string::npos);
}

TEST(OperatingPointE2E, EvaluateAndPredictApplyIt) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto& run = tiny_run();
  ASSERT_EQ(run.result.status, 0) << run.result.output;
  const fs::path work = attune::testing::temp_dir("op-e2e-use");
  const fs::path model = run.out / "export/merged";
  const json report = read_json(run.out / "test_report.json");

  // evaluate reproduces the run's report at the operating point; --no-operating-point drops it.
  const auto eval = run_tool("evaluate",
                             {"--model", model.string(), "--data", (data_dir() / "test.csv").string(),
                              "--json", (work / "eval.json").string()},
                             {}, work / "eval.log");
  ASSERT_EQ(eval.status, 0) << eval.output;
  const json evaluated = read_json(work / "eval.json");
  EXPECT_EQ(evaluated["operating_point"]["confusion_matrix"], report["operating_point"]["confusion_matrix"]);
  EXPECT_EQ(evaluated["operating_point"]["thresholds"], report["operating_point"]["thresholds"]);
  EXPECT_NEAR(evaluated["loss"].get<double>(), report["loss"].get<double>(), 1e-6);
  EXPECT_NE(eval.output.find("Operating point: attack when 1 - p(Benign) >= "), std::string::npos);
  const auto argmax_eval = run_tool("evaluate",
                                    {"--model", model.string(), "--data", (data_dir() / "test.csv").string(),
                                     "--json", (work / "argmax.json").string(), "--no-operating-point"},
                                    {}, work / "argmax.log");
  ASSERT_EQ(argmax_eval.status, 0) << argmax_eval.output;
  EXPECT_FALSE(read_json(work / "argmax.json").contains("operating_point"));

  // predict over the test texts: the rule's labels give the report's confusion matrix at the point.
  const auto pred = run_tool("predict",
                             {"--model", model.string(), "--input", (data_dir() / "test.csv").string(),
                              "--column", "text", "--format", "json", "--fp32"},
                             {}, work / "predict.log");
  ASSERT_EQ(pred.status, 0) << pred.output.substr(0, 2000);
  const double threshold = read_json(model / "attune.json")["operating_point"]["threshold"].get<double>();
  std::istringstream lines(pred.output);
  std::string line;
  std::size_t rows = 0, flagged = 0, overruled = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    const json p = json::parse(line);
    ASSERT_TRUE(p.contains("attack_score") && p.contains("operating_point")) << line;
    const bool attack = p["attack_score"].get<double>() >= threshold;
    EXPECT_EQ(p["label"] != "Benign", attack) << line;
    const auto& probabilities = p["probabilities"];
    overruled += attack != (probabilities["T1003.002"].get<double>() > probabilities["Benign"].get<double>());
    flagged += attack;
    ++rows;
  }
  EXPECT_EQ(rows, report["rows"].get<std::size_t>());
  // As many rows labelled T1003.002 as the report's column at the operating point holds.
  const auto& at_point = report["operating_point"]["confusion_matrix"];
  EXPECT_EQ(static_cast<double>(flagged), at_point[0][1].get<double>() + at_point[1][1].get<double>());
  EXPECT_GT(overruled, 0u) << "the operating point should overrule argmax on some test rows";

  // --no-operating-point: argmax, no attack_score.
  const auto plain = run_tool(
      "predict", {"--model", model.string(), "--text", "whoami", "--format", "json", "--no-operating-point"},
      {}, work / "plain.log");
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_EQ(plain.output.find("attack_score"), std::string::npos) << plain.output;
}

TEST(OperatingPointE2E, ABenignLabelTheDataLacksIsExitTwo) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  ASSERT_EQ(tiny_run().result.status, 0);  // generates the shared data
  const fs::path out = attune::testing::temp_dir("op-e2e-bad");
  const auto r = run_tool("train", train_args(out, {"export.max_benign_fpr=0.01", "data.benign_label=Clean"}),
                          {}, out / "train.log");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(
      r.output.find("--set data.benign_label=Clean: data.benign_label: 'Clean' is not among the labels"),
      std::string::npos)
      << r.output;
}

}  // namespace
