// trainer/checkpoint.cpp and base/file_io.cpp, what a crash, a full disk or a wrong --resume may meet: a
// damaged checkpoint file (truncated, altered, missing, garbled state) is refused naming the file and
// nothing is restored; a checkpoint of another run (config key, data, backbone) is refused naming each
// difference, while keys that do not change the training (paths, threads, export) pass; a write error in
// the middle of a checkpoint (RLIMIT_FSIZE: the kernel refuses writes past a size, as a full disk does)
// says so and leaves the previous checkpoint whole; what a kill leaves is cleaned.
#include "trainer/checkpoint.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::InputError;
using attune::trainer::TrainerState;

// A trainable layer big enough (64 KiB of weights) for a small file-size limit to cut its files.
struct NetImpl : torch::nn::Module {
  NetImpl() : head(register_module("head", torch::nn::Linear(128, 128))) {}
  torch::nn::Linear head;
};
TORCH_MODULE(Net);

struct Saved {
  fs::path run;
  fs::path checkpoint;
};

// A run dir with one checkpoint of `net` at step 5.
Saved save_one(const std::string& tag, Net& net, torch::optim::AdamW& opt,
               const nlohmann::json& fingerprint = nlohmann::json::object()) {
  const fs::path run = attune::testing::temp_dir(tag);
  TrainerState state;
  state.global_step = 5;
  state.labels = {"Benign", "T1003.002"};
  state.fingerprint = fingerprint;
  attune::trainer::save_checkpoint(run, *net, opt, state, attune::trainer::trainable_snapshot(*net));
  return {run, run / "checkpoint"};
}

std::string load_error(const fs::path& checkpoint, const nlohmann::json* fingerprint = nullptr) {
  torch::manual_seed(99);
  Net other;
  torch::optim::AdamW opt(other->parameters(), torch::optim::AdamWOptions(1e-3));
  const auto before = other->head->weight.clone();
  TrainerState state;
  try {
    attune::trainer::load_checkpoint(checkpoint, *other, opt, state, fingerprint);
  } catch (const InputError& e) {
    EXPECT_TRUE(torch::equal(other->head->weight, before)) << "weights restored from a refused checkpoint";
    EXPECT_EQ(state.global_step, 0) << "state restored from a refused checkpoint";
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void expect_contains(const std::string& message, const std::vector<std::string>& parts) {
  for (const auto& p : parts)
    EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
}

TEST(CheckpointIntegrity, RecordsEveryFileAndLoadsWhole) {
  Net net;
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  const auto saved = save_one("ckpt-files", net, opt);
  const auto state = attune::trainer::read_trainer_state(saved.checkpoint);
  for (const char* f :
       {"trainable.safetensors", "best.safetensors", "optimizer.pt", "rng_state.safetensors"}) {
    ASSERT_TRUE(state.files.contains(f)) << state.files.dump();
    EXPECT_EQ(state.files[f]["bytes"].get<int64_t>(),
              static_cast<int64_t>(fs::file_size(saved.checkpoint / f)));
    EXPECT_EQ(state.files[f]["sha256"].get<std::string>().size(), 64u);
  }
  Net copy;
  torch::optim::AdamW copy_opt(copy->parameters(), torch::optim::AdamWOptions(1e-3));
  TrainerState loaded;
  attune::trainer::load_checkpoint(saved.checkpoint, *copy, copy_opt, loaded);
  EXPECT_TRUE(torch::equal(copy->head->weight, net->head->weight));
  EXPECT_EQ(loaded.global_step, 5);
}

TEST(CheckpointIntegrity, TruncatedAlteredMissingOrGarbledFilesAreRefused) {
  Net net;
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  {  // truncated
    const auto s = save_one("ckpt-truncated", net, opt);
    fs::resize_file(s.checkpoint / "trainable.safetensors", 1000);
    expect_contains(load_error(s.checkpoint),
                    {"trainable.safetensors", "1000 bytes", "truncated or damaged"});
  }
  {  // one byte altered, same size
    const auto s = save_one("ckpt-altered", net, opt);
    const fs::path f = s.checkpoint / "optimizer.pt";
    std::string bytes = attune::read_text_file(f);
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes;
    expect_contains(load_error(s.checkpoint), {"optimizer.pt", "sha256 differs", "damaged checkpoint"});
  }
  {  // missing
    const auto s = save_one("ckpt-missing", net, opt);
    fs::remove(s.checkpoint / "rng_state.safetensors");
    expect_contains(load_error(s.checkpoint), {"rng_state.safetensors", "missing from the checkpoint"});
  }
  {  // garbled trainer state
    const auto s = save_one("ckpt-garbled", net, opt);
    std::ofstream(s.checkpoint / "trainer_state.json", std::ios::trunc) << "{\"epochs_completed\": 1, \"glo";
    expect_contains(load_error(s.checkpoint), {"trainer_state.json", "not valid JSON"});
  }
}

// The fingerprint of a small real config, with `sets` applied.
nlohmann::json fingerprint_of(const std::vector<std::string>& sets, const std::string& train_digest_text,
                              const std::string& backbone = "abc") {
  const std::string yaml =
      "model:\n  name_or_path: roberta-base\n"
      "data:\n  train_file: d/train.csv\n  validation_file: d/validation.csv\n  test_file: d/test.csv\n";
  std::vector<attune::trainer::Override> overrides;
  for (const auto& s : sets) overrides.push_back(attune::trainer::parse_override(s));
  const auto config = attune::trainer::parse_config(yaml, "cfg.yaml", overrides);
  attune::data::TokenizedRows rows;
  for (const char c : train_digest_text) rows.input_ids.push_back({0, static_cast<int64_t>(c), 2});
  rows.labels.assign(rows.input_ids.size(), 1);
  return attune::trainer::run_fingerprint(
      config, {{"train", attune::trainer::rows_fingerprint(rows, "d/train.csv")}}, backbone);
}

TEST(CheckpointIntegrity, ACheckpointOfAnotherRunIsRefusedNamingWhatDiffers) {
  Net net;
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  const auto recorded = fingerprint_of({"training.learning_rate=0.005", "peft.r=8"}, "abcdef");
  const auto s = save_one("ckpt-fingerprint", net, opt, recorded);

  const auto lr = fingerprint_of({"training.learning_rate=0.001", "peft.r=8"}, "abcdef");
  expect_contains(load_error(s.checkpoint, &lr),
                  {"checkpoint is of another run", "1 difference",
                   "training.learning_rate: 0.005 in the checkpoint, 0.001 now"});
  const auto two = fingerprint_of({"training.learning_rate=0.001", "peft.r=16"}, "abcdef");
  expect_contains(load_error(s.checkpoint, &two),
                  {"2 differences", "training.learning_rate", "peft.r: 8 in the checkpoint, 16 now"});
  const auto data = fingerprint_of({"training.learning_rate=0.005", "peft.r=8"}, "abcdeg");
  expect_contains(load_error(s.checkpoint, &data),
                  {"data: the train split differs", "d/train.csv", "6 rows"});
  const auto fewer = fingerprint_of({"training.learning_rate=0.005", "peft.r=8"}, "abc");
  expect_contains(load_error(s.checkpoint, &fewer), {"3 rows", "the checkpoint trained on 6 rows"});
  const auto backbone = fingerprint_of({"training.learning_rate=0.005", "peft.r=8"}, "abcdef", "def");
  expect_contains(load_error(s.checkpoint, &backbone),
                  {"backbone: weights sha256 abc in the checkpoint, def now"});

  // Where things go, threads, logging, saving and export settings do not change the training.
  const auto same = fingerprint_of(
      {"training.learning_rate=0.005", "peft.r=8", "training.output_dir=elsewhere", "model.num_threads=3",
       "training.logging_steps=7", "training.save_steps=4", "export.dtype=bf16", "data.test_file=x/test.csv"},
      "abcdef");
  Net copy;
  torch::optim::AdamW copy_opt(copy->parameters(), torch::optim::AdamWOptions(1e-3));
  TrainerState loaded;
  attune::trainer::load_checkpoint(s.checkpoint, *copy, copy_opt, loaded, &same);
  EXPECT_TRUE(torch::equal(copy->head->weight, net->head->weight));

  // A checkpoint that recorded no fingerprint (written before it existed) is not checked.
  const auto old = save_one("ckpt-no-fingerprint", net, opt);
  attune::trainer::load_checkpoint(old.checkpoint, *copy, copy_opt, loaded, &lr);
}

// Lowers the file-size limit of this process for its lifetime; writes past it fail with EFBIG (SIGXFSZ
// ignored), as they fail with ENOSPC on a full disk.
struct FileSizeLimit {
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved);
    previous_handler = signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved;
    lower.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &lower), 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, previous_handler);
  }
  rlimit saved{};
  sighandler_t previous_handler;
};

TEST(CheckpointIntegrity, AWriteErrorSaysSoAndKeepsTheLastGoodCheckpoint) {
  torch::manual_seed(3);
  Net net;
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  const auto s = save_one("ckpt-full-disk", net, opt);
  const auto first_weights = net->head->weight.clone();
  const std::string first_state = attune::read_text_file(s.checkpoint / "trainer_state.json");
  {
    torch::NoGradGuard no_grad;
    net->head->weight.add_(1.0);
  }
  TrainerState later;
  later.global_step = 9;
  std::string message;
  {
    // 40 KiB: the 64 KiB weight files cannot be written.
    FileSizeLimit limit(40 * 1024);
    try {
      attune::trainer::save_checkpoint(s.run, *net, opt, later, {});
      ADD_FAILURE() << "the checkpoint was written past the file-size limit";
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
  }
  expect_contains(message, {"cannot write the checkpoint", (s.run / "checkpoint.tmp").string(),
                            "the last good checkpoint, " + s.checkpoint.string() + ", is intact"});
  EXPECT_FALSE(fs::exists(s.run / "checkpoint.tmp")) << "the partial checkpoint stays behind";
  EXPECT_EQ(attune::read_text_file(s.checkpoint / "trainer_state.json"), first_state);
  Net copy;
  torch::optim::AdamW copy_opt(copy->parameters(), torch::optim::AdamWOptions(1e-3));
  TrainerState loaded;
  attune::trainer::load_checkpoint(s.checkpoint, *copy, copy_opt, loaded);
  EXPECT_TRUE(torch::equal(copy->head->weight, first_weights));
  EXPECT_EQ(loaded.global_step, 5);

  // The whole-file writer says which file and why.
  FileSizeLimit limit(100);
  try {
    attune::write_file_atomic(s.run / "run_summary.json", std::string(1000, 'x'));
    ADD_FAILURE() << "written past the limit";
  } catch (const std::runtime_error& e) {
    expect_contains(e.what(), {"run_summary.json", "cannot write", "File too large"});
  }
  EXPECT_FALSE(fs::exists(s.run / "run_summary.json"));
  EXPECT_TRUE(attune::remove_stale_temp_files(s.run).empty()) << "the writer removes its own temporary file";
}

TEST(CheckpointIntegrity, WhatAKillLeavesIsCleaned) {
  Net net;
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(1e-3));
  const auto s = save_one("ckpt-clean", net, opt);
  // A swap cut between its renames, a checkpoint write cut short, files of a dead writer (pid 2^22 + 1 is
  // above the default pid_max of 2^22) and of a live one (this process), and a user's file.
  fs::rename(s.checkpoint, s.run / "checkpoint.old");
  fs::create_directories(s.run / "checkpoint.tmp");
  std::ofstream(s.run / "checkpoint.tmp" / "trainable.safetensors") << "partial";
  const std::string dead = "4194305", live = std::to_string(::getpid());
  for (const auto& name :
       {"run_summary.json." + dead + ".tmp", "model.safetensors.tmp." + dead,
        "test_report.json." + live + ".tmp", std::string("notes.tmp"), std::string("a.b.tmp")})
    std::ofstream(s.run / name) << "x";
  const auto done = attune::trainer::clean_after_kill(s.run);
  EXPECT_EQ(done.size(), 4u);
  EXPECT_TRUE(fs::exists(s.checkpoint / "trainer_state.json"));
  EXPECT_FALSE(fs::exists(s.run / "checkpoint.old"));
  EXPECT_FALSE(fs::exists(s.run / "checkpoint.tmp"));
  EXPECT_FALSE(fs::exists(s.run / ("run_summary.json." + dead + ".tmp")));
  EXPECT_FALSE(fs::exists(s.run / ("model.safetensors.tmp." + dead)));
  EXPECT_TRUE(fs::exists(s.run / ("test_report.json." + live + ".tmp")))
      << "a live writer's file was removed";
  EXPECT_TRUE(fs::exists(s.run / "notes.tmp"));
  EXPECT_TRUE(fs::exists(s.run / "a.b.tmp"));
  EXPECT_EQ(attune::trainer::find_checkpoint(s.run), s.checkpoint);

  // replace_dir's own recovery: only <dir>.old left -> back in place; beside a whole dir -> removed.
  const fs::path dir = s.run / "model";
  fs::create_directories(dir.string() + ".old");
  std::ofstream(dir.string() + ".old/config.json") << "{}";
  EXPECT_TRUE(attune::restore_replaced_dir(dir));
  EXPECT_TRUE(fs::exists(dir / "config.json"));
  fs::create_directories(s.run / "staged");
  std::ofstream(s.run / "staged" / "config.json") << "{\"new\": 1}";
  attune::replace_dir(s.run / "staged", dir);
  EXPECT_EQ(attune::read_text_file(dir / "config.json"), "{\"new\": 1}");
  EXPECT_FALSE(fs::exists(dir.string() + ".old"));
  EXPECT_FALSE(fs::exists(s.run / "staged"));
}

}  // namespace
