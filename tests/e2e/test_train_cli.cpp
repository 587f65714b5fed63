// tools/train.cpp, run as a user runs it (build/bin/train): help, exit codes, one-line errors naming the
// file, line and key, and the resolved config it writes before any work.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e/e2e_util.h"
#include "test_paths.h"
#include "trainer/config.h"

namespace {

using attune::testing::quote;
using attune::testing::slurp;
using attune::testing::write;

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs build/bin/train with `args` (already shell-quoted as needed).
Result train(const std::string& args) {
  const fs::path exe = attune::testing::bin_dir() / "train";
  if (!fs::exists(exe)) {
    ADD_FAILURE() << exe << " is missing: build the train target";
    return {};
  }
  const fs::path dir = attune::testing::temp_dir("train-cli");
  const std::string command = quote(exe.string()) + " " + args + " >" + quote((dir / "out").string()) +
                              " 2>" + quote((dir / "err").string());
  const int status = std::system(command.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

// A valid config over two small CSV files in `dir` (the test file named by `test_file`).
fs::path valid_config(const fs::path& dir, const std::string& test_file = "test.csv") {
  for (const char* name : {"train.csv", "validation.csv", "test.csv"})
    write(dir / name, "text,label\nwhoami,T1033\nnet user,T1087\n");
  return write(dir / "run.yaml",
               "model:\n  name_or_path: roberta-base\n  fallback: embedded\ndata:\n  train_file: " +
                   (dir / "train.csv").string() +
                   "\n  validation_file: " + (dir / "validation.csv").string() +
                   "\n  test_file: " + (dir / test_file).string() + "\ntraining:\n  num_train_epochs: 1\n");
}

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) n += c == '\n';
  return n;
}

TEST(TrainCli, HelpDescribesOptionsAndSections) {
  const Result r = train("--help");
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* part : {"--config", "--set", "--output", "--resume", "model", "data", "peft", "training",
                           "export", "learning_rate", "target_modules", "random_init"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part;
}

TEST(TrainCli, MisspelledKeyIsOneLineWithFileLineAndSuggestion) {
  const fs::path dir = attune::testing::temp_dir("train-typo");
  const fs::path config = valid_config(dir);
  write(config, slurp(config) + "  learnig_rate: 1e-4\n");  // line 10, inside `training`
  const Result r = train("--config " + quote(config.string()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(config.string() + ":10:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key 'training.learnig_rate'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'learning_rate'?"), std::string::npos) << r.err;
}

TEST(TrainCli, BadSetExitsTwo) {
  const fs::path dir = attune::testing::temp_dir("train-set");
  const fs::path config = valid_config(dir);
  Result r = train("--config " + quote(config.string()) + " --set training.learning_rate=abc");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("--set training.learning_rate=abc: training.learning_rate: expected a number > 0"),
            std::string::npos)
      << r.err;
  r = train("--config " + quote(config.string()) + " --set peft.rr=4");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown key 'peft.rr' (did you mean 'r'?)"), std::string::npos) << r.err;
  r = train("--config " + quote(config.string()) + " --set nonsense");
  EXPECT_EQ(r.code, 2) << r.err;
}

TEST(TrainCli, UsageErrorsExitTwo) {
  EXPECT_EQ(train("").code, 2);                                       // --config is required
  EXPECT_EQ(train("--config /nonexistent/attune/cfg.yaml").code, 2);  // no such file
  EXPECT_EQ(train("--config x.yaml --no-such-flag").code, 2);
}

TEST(TrainCli, MissingDataFileNamesTheKey) {
  const fs::path dir = attune::testing::temp_dir("train-missing");
  const fs::path config = valid_config(dir, "no_such_test.csv");
  const Result r = train("--config " + quote(config.string()) + " --output " + quote((dir / "out").string()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(config.string() + ":7: data.test_file: expected an existing CSV file"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "out")) << "nothing may be written before the inputs are checked";
}

// train checks the config and the files it names and prints its summary line; a run that then stops at
// bad data (a ragged CSV row: exit 2) changes nothing in its output dir, so an earlier run's
// resolved_config.yaml stays beside that run's checkpoint. Once the data and model are built, the run
// writes its own resolved_config.yaml: every key, --set applied, the backbone it used.
TEST(TrainCli, WritesTheResolvedConfigOnlyOnceTheRunTakesOverItsDir) {
  const fs::path dir = attune::testing::temp_dir("train-resolved");
  const fs::path config = valid_config(dir);
  write(dir / "train.csv", "text,label\nwhoami,T1033,extra\n");
  const fs::path out = dir / "my run";
  fs::create_directories(out);
  const std::string earlier = "# an earlier run's resolved config\n";
  write(out / "resolved_config.yaml", earlier);
  std::string args = "--config " + quote(config.string()) + " --output " + quote(out.string()) +
                     " --set training.seed=7 --set peft.target_modules=[query,value]";
  // A tiny random-init model, so that the run reaches the data without a pretrained checkpoint.
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  args += " --set 'model.random_init={hidden_size: 32}' --set model.tokenizer=" +
          quote((attune::testing::shared_dir() / "tokenizers/roberta-base").string());
  Result r = train(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find((dir / "train.csv").string() + ":2: expected 2 fields"), std::string::npos) << r.err;
  EXPECT_EQ(
      r.out.rfind("train: random-init roberta (hidden 32, 2 layers) + lora r=8 alpha=16 on query,value", 0),
      0u)
      << r.out;
  EXPECT_EQ(slurp(out / "resolved_config.yaml"), earlier) << "a failed run must leave the dir as it was";

  write(dir / "train.csv", "text,label\nwhoami,T1033\nnet user,T1087\n");
  r = train(args + " --set training.max_steps=1 --set export.merged=false");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto resolved = attune::trainer::load_config(out / "resolved_config.yaml");
  EXPECT_EQ(resolved.training.seed, 7);
  EXPECT_EQ(resolved.training.output_dir, out.string());
  EXPECT_EQ(resolved.export_.dir, (out / "export").string());
  EXPECT_EQ(resolved.peft.target_modules.names, (std::vector<std::string>{"query", "value"}));
  EXPECT_NE(slurp(out / "resolved_config.yaml").find("# backbone used: random-init roberta"),
            std::string::npos)
      << slurp(out / "resolved_config.yaml");
}

}  // namespace
