// Data-parallel training on c10d/Gloo over loopback: 2 ranks (--nproc-per-node 2, and as two "machines"
// started by hand with torchrun's variables) give the one-process result within float tolerance on the
// same global batch; only rank 0 writes; a rank that dies ends the run with a message on the others and a
// checkpoint that resumes.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/e2e_util.h"
#include "models/safetensors.h"
#include "test_paths.h"
#include "tiny_pretrain_config.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::run_tool;
using attune::testing::slurp;

// The tiny LoRA config without dropout (ranks draw their own masks), fp32, 40 steps of batch 16.
std::vector<std::string> tiny_args(const fs::path& out, const fs::path& data) {
  return {"--config", "configs/tiny_lora.yaml",
          "--output", out.string(),
          "--set",    "training.max_steps=40",
          "--set",    "training.eval_steps=20",
          "--set",    "training.save_steps=10",
          "--set",    "model.random_init.hidden_dropout_prob=0",
          "--set",    "model.random_init.attention_probs_dropout_prob=0",
          "--set",    "data.generate.out_dir=" + data.string()};
}

// Largest |a - b| over the tensors of two safetensors files with the same names.
double max_weight_difference(const fs::path& a, const fs::path& b) {
  const auto x = attune::models::load_safetensors(a), y = attune::models::load_safetensors(b);
  EXPECT_EQ(x.size(), y.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    EXPECT_EQ(x[i].first, y[i].first);
    worst = std::max(
        worst, (x[i].second.to(torch::kFloat) - y[i].second.to(torch::kFloat)).abs().max().item<double>());
  }
  return worst;
}

// The last metrics line with an eval_loss.
nlohmann::json last_eval(const fs::path& metrics) {
  std::ifstream in(metrics);
  nlohmann::json last;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("eval_loss")) last = j;
  }
  return last;
}

int free_port() {
  // The launcher's own pick is not reachable from here; any high port that binds now will do.
  return 20000 + static_cast<int>(::getpid() % 20000);
}

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(attune::testing::shared_dir() / "tokenizers/roberta-base"))
      GTEST_SKIP() << "../shared/tokenizers/roberta-base is absent: the tiny config needs it";
    dir_ = attune::testing::temp_dir("distributed");
    data_ = dir_ / "data";
  }
  fs::path dir_, data_;
};

// The ranks come from the config (training.nproc_per_node) unless the command line names them.
TEST_F(Distributed, TwoRanksGiveTheOneProcessResult) {
  auto args = tiny_args(dir_ / "one", data_);
  args.insert(args.end(), {"--set", "training.nproc_per_node=2", "--nproc-per-node", "1"});
  const auto one = run_tool("train", args, {}, dir_ / "one.log");
  ASSERT_EQ(one.status, 0) << one.output;
  EXPECT_EQ(one.output.find("ranks"), std::string::npos) << one.output;
  args = tiny_args(dir_ / "two", data_);
  args.insert(args.end(), {"--set", "training.nproc_per_node=2"});
  const auto two = run_tool("train", args, {}, dir_ / "two.log");
  ASSERT_EQ(two.status, 0) << two.output;
  EXPECT_NE(two.output.find("train: 2 data-parallel ranks on this machine (training.nproc_per_node 2)"),
            std::string::npos)
      << two.output;
  EXPECT_NE(two.output.find("starting 2 ranks"), std::string::npos) << two.output;

  const auto e1 = last_eval(dir_ / "one/metrics.jsonl"), e2 = last_eval(dir_ / "two/metrics.jsonl");
  ASSERT_FALSE(e1.is_null());
  ASSERT_FALSE(e2.is_null());
  EXPECT_EQ(e1["step"], e2["step"]);
  EXPECT_NEAR(e1["eval_loss"].get<double>(), e2["eval_loss"].get<double>(), 1e-3);
  EXPECT_NEAR(e1["eval_accuracy"].get<double>(), e2["eval_accuracy"].get<double>(), 0.01);
  const double diff = max_weight_difference(dir_ / "one/export/merged/model.safetensors",
                                            dir_ / "two/export/merged/model.safetensors");
  EXPECT_LT(diff, 1e-3) << "merged weights of 1 process and 2 ranks differ by " << diff;
  // Only rank 0 writes: one metrics line per logging step, as in the one-process run.
  EXPECT_EQ(slurp(dir_ / "one/metrics.jsonl").size() > 0, true);
  std::ifstream m1(dir_ / "one/metrics.jsonl"), m2(dir_ / "two/metrics.jsonl");
  const auto lines = [](std::ifstream& in) {
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  };
  EXPECT_EQ(lines(m1), lines(m2));
}

TEST_F(Distributed, TwoMachinesStartedByHandAsTorchrunWould) {
  const int port = free_port();
  // Two "machines": each its own output and data dir, LOCAL_RANK 0 on both (each prepares its own data).
  auto start = [&](int rank) {
    const fs::path out = dir_ / ("machine" + std::to_string(rank));
    return std::thread([=] {
      auto args = tiny_args(out / "run", out / "data");
      const auto r = run_tool("train", args,
                              {{"RANK", std::to_string(rank)},
                               {"WORLD_SIZE", "2"},
                               {"LOCAL_RANK", "0"},
                               {"LOCAL_WORLD_SIZE", "1"},
                               {"MASTER_ADDR", "127.0.0.1"},
                               {"MASTER_PORT", std::to_string(port)}},
                              dir_ / ("machine" + std::to_string(rank) + ".log"));
      std::ofstream(dir_ / ("machine" + std::to_string(rank) + ".status")) << r.status;
    });
  };
  auto a = start(0), b = start(1);
  a.join();
  b.join();
  EXPECT_EQ(slurp(dir_ / "machine0.status"), "0") << slurp(dir_ / "machine0.log");
  EXPECT_EQ(slurp(dir_ / "machine1.status"), "0") << slurp(dir_ / "machine1.log");
  EXPECT_TRUE(fs::exists(dir_ / "machine0/run/export/merged/model.safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "machine1/run/export")) << "a rank other than 0 exported";
  EXPECT_FALSE(fs::exists(dir_ / "machine1/run/metrics.jsonl")) << "a rank other than 0 logged";
  EXPECT_TRUE(fs::exists(dir_ / "machine1/data")) << "machine 1 prepared no data of its own";
}

TEST_F(Distributed, ARankThatDiesEndsTheRunAndTheCheckpointResumes) {
  // Long enough to be killed in the middle; LoRA and the head only, so the steps are quick.
  auto config = tiny_args(dir_ / "run", data_);
  config.insert(config.end(),
                {"--set", "training.max_steps=300", "--set", "peft.modules_to_save=[classifier]"});
  auto args = config;
  args.insert(args.end(), {"--nproc-per-node", "2"});
  const pid_t launcher = attune::testing::spawn("train", args, dir_ / "run.log");
  // Wait for a checkpoint, then kill rank 1 (the launcher's second child) with SIGKILL.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (!fs::exists(dir_ / "run/checkpoint/trainer_state.json") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(dir_ / "run/checkpoint/trainer_state.json")) << slurp(dir_ / "run.log");
  const std::string children =
      slurp(fs::path("/proc") / std::to_string(launcher) / "task" / std::to_string(launcher) / "children");
  std::istringstream ids(children);
  std::vector<pid_t> ranks;
  for (pid_t p; ids >> p;) ranks.push_back(p);
  ASSERT_EQ(ranks.size(), 2u) << children;
  kill(ranks[1], SIGKILL);
  int status = 0;
  waitpid(launcher, &status, 0);
  const std::string log = slurp(dir_ / "run.log");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << log;
  EXPECT_NE(log.find("rank 1 exited with status 137"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 0/2"), std::string::npos) << "rank 0 did not say what happened:\n" << log;
  const auto state = read_json(dir_ / "run/checkpoint/trainer_state.json");
  ASSERT_GT(state.value("global_step", int64_t{0}), 0);

  // The last checkpoint resumes (here on one process) and the run ends with its reports.
  config.push_back("--resume");
  const auto resumed = run_tool("train", config, {}, dir_ / "resume.log");
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from"), std::string::npos) << resumed.output;
  EXPECT_TRUE(fs::exists(dir_ / "run/export/merged/model.safetensors"));
}

// pretrain's ranks: the same tokenizer, a held-out masked-token loss like one process's (no dropout), and
// only rank 0's model dir.
TEST_F(Distributed, PretrainTwoRanksMatchOneProcess) {
  const fs::path config =
      attune::testing::write(dir_ / "tiny_pretrain.yaml", attune::testing::kTinyRobertaCompactYaml);
  auto args = [&](const fs::path& out) {
    return std::vector<std::string>{"--config", config.string(),
                                    "--output", out.string(),
                                    "--set",    "training.max_steps=20",
                                    "--set",    "model.random_init.hidden_dropout_prob=0",
                                    "--set",    "model.random_init.attention_probs_dropout_prob=0"};
  };
  const auto one = run_tool("pretrain", args(dir_ / "p1"), {}, dir_ / "p1.log");
  ASSERT_EQ(one.status, 0) << one.output;
  auto two_args = args(dir_ / "p2");
  two_args.insert(two_args.end(), {"--nproc-per-node", "2"});
  const auto two = run_tool("pretrain", two_args, {}, dir_ / "p2.log");
  ASSERT_EQ(two.status, 0) << two.output;
  const auto r1 = read_json(dir_ / "p1/model/pretraining.json"),
             r2 = read_json(dir_ / "p2/model/pretraining.json");
  EXPECT_EQ(slurp(dir_ / "p1/model/vocab.json"), slurp(dir_ / "p2/model/vocab.json"));
  EXPECT_NEAR(r1["heldout_loss"].get<double>(), r2["heldout_loss"].get<double>(), 1e-3);
  EXPECT_LT(max_weight_difference(dir_ / "p1/model/model.safetensors", dir_ / "p2/model/model.safetensors"),
            1e-3);
  EXPECT_EQ(attune::testing::run_tool("pretrain", {"--embedded", "roberta-compact", "--nproc-per-node", "2"},
                                      {}, dir_ / "embedded.log")
                .status,
            2);
}

}  // namespace
