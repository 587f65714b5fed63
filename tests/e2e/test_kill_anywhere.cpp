// Nothing lost on a crash, as a user meets it with build/bin/train on configs/tiny_lora.yaml (a small
// two-epoch run with dropout and a checkpoint every 10 optimizer steps, training.save_steps):
// - SIGKILL at several moments (during the first checkpoint write, inside epoch 1 after a mid-epoch
//   checkpoint, during a later checkpoint write, inside epoch 2, while the exports are staged, after the
//   test report), each followed by `train --resume`: the chain ends with reports, metrics.jsonl and exported
//   weights equal to the uninterrupted run's (timings aside), a resume before any checkpoint is refused
//   with exit 2, and no export dir ever appears half-written; nothing temporary is left at the end;
// - a resume whose checkpoint write meets a write error (RLIMIT_FSIZE, as a full disk) exits 1 saying so,
//   with the last good checkpoint unchanged, and the next resume goes on from it;
// - pretrain killed after a checkpoint inside its epoch resumes to the same weights and loss curve;
// - data generation killed midway leaves no manifest.json, so the next run generates the data again;
// - --resume on a damaged checkpoint, another config, other data, and `export --run` on a run dir whose
//   config was rewritten: exit 2, one line naming what is wrong.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/file_digest.h"
#include "e2e/e2e_util.h"
#include "test_paths.h"
#include "tiny_pretrain_config.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::read_json;
using attune::testing::slurp;
using attune::testing::spawn;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Ended {
  bool killed = false;  // by us, when `when` held
  int code = -1;        // the exit status when it exited
};

// Waits for the process; SIGKILLs it as soon as `when` holds (polled every millisecond).
Ended run_until(pid_t pid, const std::function<bool()>& when) {
  const auto deadline = Clock::now() + std::chrono::minutes(3);
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return {false, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
    if (when && when()) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {true, -1};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ADD_FAILURE() << "the run took more than 3 minutes";
  return {true, -1};
}

// The trainer state of the run's current checkpoint; null while there is none (or it is being swapped).
json checkpoint_state(const fs::path& out) {
  std::ifstream in(out / "checkpoint" / "trainer_state.json");
  if (!in) return nullptr;
  const auto j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(nullptr) : j;
}

int64_t checkpoint_step(const fs::path& out) {
  const auto s = checkpoint_state(out);
  return s.is_object() ? s.value("global_step", int64_t{-1}) : -1;
}

// The JSON without what measures time or the machine.
json without_timings(json j) {
  if (j.is_object()) {
    for (const char* key :
         {"runtime_s", "samples_per_second", "train_samples_per_second", "eval_samples_per_second",
          "train_seconds", "wall_seconds", "peak_rss_mib", "num_threads"})
      j.erase(key);
    for (auto& [key, value] : j.items()) value = without_timings(value);
  } else if (j.is_array()) {
    for (auto& value : j) value = without_timings(value);
  }
  return j;
}

std::vector<json> metrics_lines(const fs::path& file) {
  std::vector<json> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) out.push_back(without_timings(json::parse(line)));
  return out;
}

// Paths under `dir` that only a write cut short leaves.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp") != std::string::npos || name.find(".partial") != std::string::npos ||
        name.find(".old") != std::string::npos)
      found.push_back(e.path().string());
  }
  return found;
}

// An export dir is whole or absent: weights, tokenizer, attune.json with the calibration, model card.
void expect_whole_export(const fs::path& dir, const std::string& when) {
  if (!fs::exists(dir)) return;
  for (const char* f : {"attune.json", "README.md", "vocab.json", "merges.txt", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(dir / f)) << dir / f << " missing " << when;
  EXPECT_TRUE(fs::exists(dir / "model.safetensors") || fs::exists(dir / "adapter_model.safetensors"))
      << dir << " " << when;
  if (fs::exists(dir / "attune.json")) {
    EXPECT_TRUE(read_json(dir / "attune.json").contains("temperature")) << when;
  }
}

class KillAnywhere : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { work_ = attune::testing::temp_dir("kill-anywhere"); }

  // The binary preset, generated once; the first rows of each split make the small run's CSVs.
  static void make_data() {
    static const bool made = [] {
      const fs::path gen = work_ / "gen";
      const auto r = attune::testing::run_tool(
          "gen-data", {"--preset", "binary", "--seed", "1", "--out", gen.string()}, {}, work_ / "gen.log");
      EXPECT_EQ(r.status, 0) << r.output;
      for (const auto& [name, rows] :
           {std::pair<std::string, int>{"train.csv", 400}, {"validation.csv", 120}, {"test.csv", 120}}) {
        std::ifstream in(gen / name);
        std::ofstream out(work_ / name);
        std::string line;
        for (int i = 0; i <= rows && std::getline(in, line); ++i) out << line << "\n";
      }
      return r.status == 0;
    }();
    ASSERT_TRUE(made);
  }

  // train's arguments: 400 rows, batch 16 (25 steps an epoch), 2 epochs, dropout, a checkpoint every 10
  // steps and at each epoch's end, both exports (the adapter with its random-init base).
  static std::vector<std::string> args(const fs::path& out, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> a = {
        "--config", (attune::testing::source_dir() / "configs" / "tiny_lora.yaml").string(),
        "--output", out.string(),
        "--set",    "model.tokenizer=" + (attune::testing::shared_dir() / "tokenizers/roberta-base").string(),
        "--set",    "data.train_file=" + (work_ / "train.csv").string(),
        "--set",    "data.validation_file=" + (work_ / "validation.csv").string(),
        "--set",    "data.test_file=" + (work_ / "test.csv").string(),
        "--set",    "data.generate.out_dir=" + (work_ / "gen").string(),
        "--set",    "training.max_steps=-1",
        "--set",    "training.num_train_epochs=2",
        "--set",    "training.eval_strategy=epoch",
        "--set",    "training.save_steps=10",
        "--set",    "model.random_init.hidden_dropout_prob=0.1",
        "--set",    "peft.lora_dropout=0.1"};
    for (const auto& e : extra) a.insert(a.end(), {"--set", e});
    return a;
  }
  static std::vector<std::string> resume_args(const fs::path& out,
                                              const std::vector<std::string>& extra = {}) {
    auto a = args(out, extra);
    a.push_back("--resume");
    return a;
  }

  // The finished uninterrupted run (made once).
  static const fs::path& reference() {
    make_data();
    static const fs::path out = [] {
      const fs::path o = work_ / "reference";
      const auto r = attune::testing::run_tool("train", args(o), {}, work_ / "reference.log");
      EXPECT_EQ(r.status, 0) << r.output;
      return o;
    }();
    return out;
  }

  static fs::path work_;
};
fs::path KillAnywhere::work_;

TEST_F(KillAnywhere, ResumeAfterAKillAnywhereEndsAsTheUninterruptedRun) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const fs::path& ref = reference();
  ASSERT_TRUE(fs::exists(ref / "run_summary.json"));
  const fs::path out = work_ / "killed";
  int attempt = 0;
  auto log = [&] { return work_ / ("killed." + std::to_string(attempt++) + ".log"); };
  std::vector<std::string> fired;

  // Each moment, in the order a run reaches them; the run is resumed after each kill.
  struct Moment {
    std::string name;
    std::function<bool()> when;
  };
  const std::vector<Moment> moments = {
      {"during the first checkpoint write",
       [&] { return fs::exists(out / "checkpoint.tmp") && !fs::exists(out / "checkpoint"); }},
      {"inside epoch 1 after a mid-epoch checkpoint",
       [&] {
         const auto s = checkpoint_state(out);
         return s.is_object() && s.value("global_step", 0) >= 20 && s.value("epoch_batches", 0) > 0;
       }},
      {"during a later checkpoint write",
       [&] { return fs::exists(out / "checkpoint.tmp") && checkpoint_step(out) >= 25; }},
      {"inside epoch 2", [&] { return checkpoint_step(out) >= 40; }},
      {"while the exports are staged", [&] { return fs::exists(out / "export.partial"); }},
      {"after the test report", [&] { return fs::exists(out / "test_report.json"); }},
  };
  bool fresh = true;
  for (const auto& m : moments) {
    const fs::path log_file = log();
    Ended e = run_until(spawn("train", fresh ? args(out) : resume_args(out), log_file), m.when);
    if (!e.killed) {
      const std::string text = slurp(log_file);
      if (!fresh && e.code == 2 && text.find("no checkpoint in") != std::string::npos) {
        // Killed before the first checkpoint was whole: nothing to resume, said clearly; start afresh.
        EXPECT_NE(text.find("error: training.resume_from_checkpoint: no checkpoint in " + out.string()),
                  std::string::npos)
            << text;
        e = run_until(spawn("train", args(out), log()), m.when);
        if (!e.killed) {
          ASSERT_EQ(e.code, 0);
          break;
        }
      } else {
        ASSERT_EQ(e.code, 0) << text;
        break;  // the run ended before this moment came
      }
    }
    fired.push_back(m.name);
    fresh = false;
    for (const char* kind : {"merged", "adapter"})
      expect_whole_export(out / "export" / kind, "after a kill " + m.name);

    // Inside epoch 2, a write error (the disk full) at the next checkpoint: a clear message, the last
    // checkpoint intact; the chain goes on from it.
    const auto state = checkpoint_state(out);
    if (m.name == "inside epoch 2" && state.is_object() && state.value("epochs_completed", 0) < 2) {
      const std::string before = slurp(out / "checkpoint" / "trainer_state.json");
      const fs::path full_log = work_ / "full-disk.log";
      const Ended f = run_until(spawn("train", resume_args(out), full_log, /*fsize_limit=*/1 << 20), nullptr);
      const std::string text = slurp(full_log);
      EXPECT_EQ(f.code, 1) << text;
      EXPECT_NE(text.find("error: cannot write the checkpoint into " + (out / "checkpoint.tmp").string()),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("the last good checkpoint, " + (out / "checkpoint").string() + ", is intact"),
                std::string::npos)
          << text;
      EXPECT_EQ(slurp(out / "checkpoint" / "trainer_state.json"), before);
      EXPECT_FALSE(fs::exists(out / "checkpoint.tmp"));
      fired.push_back("a full disk at a checkpoint");
    }
  }
  for (const auto& f : fired) std::cout << "[ killed ] " << f << "\n";
  // The training moments always come (seconds of training); the short ones are tried.
  EXPECT_GE(fired.size(), 3u);

  // The last resume runs to the end.
  if (!fs::exists(out / "run_summary.json")) {
    const auto r = attune::testing::run_tool("train", resume_args(out), {}, work_ / "final.log");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  }

  // Equal to the uninterrupted run, timings aside.
  for (const char* f : {"test_report.json", "run_summary.json"})
    EXPECT_EQ(without_timings(read_json(out / f)), without_timings(read_json(ref / f))) << f;
  const auto got = metrics_lines(out / "metrics.jsonl"), want = metrics_lines(ref / "metrics.jsonl");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "metrics.jsonl line " << i;
  for (const char* f : {"merged/model.safetensors", "merged/attune.json", "merged/config.json",
                        "adapter/adapter_model.safetensors", "adapter/attune.json", "base/model.safetensors"})
    EXPECT_TRUE(slurp(out / "export" / f) == slurp(ref / "export" / f) && !slurp(ref / "export" / f).empty())
        << f << " differs from the uninterrupted run's";
  for (const char* kind : {"merged", "adapter"}) expect_whole_export(out / "export" / kind, "at the end");
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
}

TEST_F(KillAnywhere, ResumeRefusesADamagedCheckpointAnotherConfigOrOtherData) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  // A run of 10 steps (one checkpoint inside epoch 1 and the one at its end), copied per case.
  make_data();
  const fs::path ref = work_ / "short";
  const std::vector<std::string> short_run = {"training.max_steps=10"};
  const auto made = attune::testing::run_tool("train", args(ref, short_run), {}, work_ / "short.log");
  ASSERT_EQ(made.status, 0) << made.output;
  ASSERT_TRUE(fs::exists(ref / "checkpoint" / "trainer_state.json"));
  auto resume_args = [&](const fs::path& out, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), short_run.begin(), short_run.end());
    return KillAnywhere::resume_args(out, extra);
  };
  auto copy_run = [&](const std::string& name) {
    const fs::path dir = work_ / name;
    fs::copy(ref, dir, fs::copy_options::recursive);
    return dir;
  };
  auto refused = [&](const fs::path& out, const std::vector<std::string>& a,
                     const std::vector<std::string>& parts, const std::string& tool = "train") {
    const auto r = attune::testing::run_tool(tool, a, {}, out.string() + ".log");
    EXPECT_EQ(r.status, 2) << r.output;
    const auto at = r.output.find("error: ");
    ASSERT_NE(at, std::string::npos) << r.output;
    const std::string line = r.output.substr(at);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    for (const auto& p : parts)
      EXPECT_NE(line.find(p), std::string::npos) << "'" << p << "' not in: " << line;
  };

  const fs::path truncated = copy_run("truncated");
  fs::resize_file(truncated / "checkpoint" / "optimizer.pt", 4096);
  refused(truncated, resume_args(truncated), {"optimizer.pt", "4096 bytes", "truncated or damaged"});

  const fs::path garbled = copy_run("garbled");
  {
    std::fstream f(garbled / "checkpoint" / "trainable.safetensors",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100000);
    f.write("garbage!", 8);
  }
  refused(garbled, resume_args(garbled), {"trainable.safetensors", "sha256 differs"});

  const fs::path other_config = copy_run("other-config");
  refused(other_config, resume_args(other_config, {"training.learning_rate=0.001", "peft.r=8"}),
          {"the checkpoint is of another run", "training.learning_rate: 0.005 in the checkpoint, 0.001 now",
           "peft.r: 4 in the checkpoint, 8 now"});

  const fs::path other_data = copy_run("other-data");
  {
    std::ifstream in(work_ / "train.csv");
    std::ofstream o(work_ / "train_fewer.csv");
    std::string line;
    for (int i = 0; i <= 399 && std::getline(in, line); ++i) o << line << "\n";
  }
  refused(other_data, resume_args(other_data, {"data.train_file=" + (work_ / "train_fewer.csv").string()}),
          {"data: the train split differs", "399 rows", "the checkpoint trained on 400 rows"});

  // export --run rebuilds the model from resolved_config.yaml: one that no longer matches the checkpoint
  // (a later run rewrote it) is refused instead of exporting wrong weights.
  const fs::path rewritten = copy_run("rewritten");
  std::string config = slurp(rewritten / "resolved_config.yaml");
  const auto at = config.find("learning_rate: 0.005");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, 20, "learning_rate: 0.002");
  attune::testing::write(rewritten / "resolved_config.yaml", config);
  refused(rewritten, {"--run", rewritten.string(), "--out", (work_ / "rewritten-export").string()},
          {"the checkpoint is of another run", "training.learning_rate: 0.005 in the checkpoint, 0.002 now"},
          "export");
  EXPECT_FALSE(fs::exists(work_ / "rewritten-export"));
}

TEST_F(KillAnywhere, DataGenerationKilledMidwayIsGeneratedAgain) {
  const fs::path gen = work_ / "gen-killed";
  const Ended e = run_until(spawn("gen-data", {"--preset", "binary", "--seed", "2", "--out", gen.string()},
                                  work_ / "gen-killed.log"),
                            [&] { return fs::exists(gen / "train.csv"); });
  if (e.killed) {
    // Written in order train, validation, test, ..., manifest last: no manifest, so train regenerates.
    EXPECT_FALSE(fs::exists(gen / "manifest.json")) << "a manifest beside a cut-short generation";
  } else {
    EXPECT_EQ(e.code, 0);
  }
  // Over a complete generation of another seed, a cut-short one leaves no manifest either (the old one is
  // removed before the first file is replaced).
  const auto r = attune::testing::run_tool(
      "gen-data", {"--preset", "binary", "--seed", "2", "--out", gen.string()}, {}, work_ / "gen2.log");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_TRUE(fs::exists(gen / "manifest.json"));
  const auto first_train = slurp(gen / "train.csv");
  const Ended again =
      run_until(spawn("gen-data", {"--preset", "binary", "--seed", "3", "--out", gen.string()},
                      work_ / "gen-killed2.log"),
                [&] { return slurp(gen / "train.csv") != first_train; });
  if (again.killed) {
    EXPECT_FALSE(fs::exists(gen / "manifest.json")) << "the seed-2 manifest beside seed-3 files";
  }
  std::cout << "[ killed ] gen-data: " << e.killed << ", over an earlier generation: " << again.killed
            << "\n";
}

// pretrain with a checkpoint every 4 steps inside one long epoch: killed after the step-12 checkpoint and
// resumed, it writes the uninterrupted run's weights, tokenizer and loss curve (masks and dropout continue
// from the saved batch and generator).
TEST_F(KillAnywhere, PretrainResumedInsideAnEpochWritesTheSameModel) {
  const fs::path config =
      attune::testing::write(work_ / "tiny_pretrain.yaml", attune::testing::kTinyRobertaCompactYaml);
  auto pretrain_args = [&](const fs::path& out) {
    return std::vector<std::string>{
        "--config", config.string(),           "--output", out.string(),
        "--set",    "training.max_steps=40",   "--set",    "training.save_steps=4",
        "--set",    "training.logging_steps=5"};
  };
  const fs::path ref = work_ / "pretrain-reference", out = work_ / "pretrain-killed";
  const auto r =
      attune::testing::run_tool("pretrain", pretrain_args(ref), {}, work_ / "pretrain-reference.log");
  ASSERT_EQ(r.status, 0) << r.output;
  const Ended e = run_until(spawn("pretrain", pretrain_args(out), work_ / "pretrain-killed.log"),
                            [&] { return checkpoint_step(out) >= 12; });
  ASSERT_TRUE(e.killed) << "the run ended before its step-12 checkpoint: "
                        << slurp(work_ / "pretrain-killed.log");
  const auto state = checkpoint_state(out);
  ASSERT_TRUE(state.is_object());
  EXPECT_GT(state.value("epoch_batches", 0), 0) << state.dump();
  auto resume = pretrain_args(out);
  resume.push_back("--resume");
  const auto resumed = attune::testing::run_tool("pretrain", resume, {}, work_ / "pretrain-resume.log");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("batches of epoch 1"), std::string::npos) << resumed.output;
  for (const auto& entry : fs::directory_iterator(ref / "model")) {
    const auto file = entry.path().filename();
    if (file == "pretraining.json") continue;  // it records the run's times
    EXPECT_EQ(attune::sha256_file(entry.path()), attune::sha256_file(out / "model" / file)) << file;
  }
  EXPECT_EQ(read_json(out / "model" / "pretraining.json")["loss_curve"],
            read_json(ref / "model" / "pretraining.json")["loss_curve"]);
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
}

}  // namespace
