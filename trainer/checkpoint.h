// Checkpoints of a run, written atomically at the end of each epoch (and every training.save_steps
// optimizer steps) into <output_dir>/checkpoint:
//   trainable.safetensors  every parameter with requires_grad, by state_dict name
//   optimizer.pt           AdamW moments and step counts
//   rng_state.safetensors  torch's CPU generator state (dropout, LoRA init)
//   best.safetensors       the trainable weights of the best evaluation so far
//   trainer_state.json     epoch, global step, position in the epoch, early-stopping state, timings, the
//                          run's labels, the size and sha256 of every other file, and the run's
//                          fingerprint (its config, data and backbone) that a resume must match
// Written to checkpoint.tmp (each file flushed to disk), then swapped in by renames (replace_dir), so a
// kill at any moment leaves a whole checkpoint; a write error (a full disk) leaves the previous one.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/batching.h"
#include "trainer/config.h"
#include "trainer/early_stopping.h"

namespace attune::trainer {

// The files of a checkpoint dir.
inline constexpr const char* kTrainableWeightsFile = "trainable.safetensors";
inline constexpr const char* kBestWeightsFile = "best.safetensors";
inline constexpr const char* kOptimizerFile = "optimizer.pt";
inline constexpr const char* kRngStateFile = "rng_state.safetensors";
inline constexpr const char* kTrainerStateFile = "trainer_state.json";

struct TrainerState {
  int64_t epochs_completed = 0;
  int64_t global_step = 0;  // optimizer steps taken
  double train_seconds = 0;
  int64_t train_samples = 0;  // rows seen by training steps
  EarlyStopping early_stopping;
  std::vector<std::string> labels;  // the label map of the run, by id (what `export` rebuilds the head with)
  // Batches of epoch epochs_completed + 1 already trained on (a checkpoint inside an epoch,
  // training.save_steps); 0 at an epoch's end.
  int64_t epoch_batches = 0;
  // The loop's running sums since the last metrics line (so a resumed run logs the same losses).
  nlohmann::json window = nlohmann::json::object();
  // What the run was: see run_fingerprint. Empty in checkpoints written before it was recorded.
  nlohmann::json fingerprint = nlohmann::json::object();
  // Size and sha256 of each file of the checkpoint dir, by name (written by save_checkpoint).
  nlohmann::json files = nlohmann::json::object();
  nlohmann::json to_json() const;
  static TrainerState from_json(const nlohmann::json& j, const std::string& origin);
};

// The named parameters with requires_grad (what LoRA/BitFit train), as owned fp32 copies.
std::vector<std::pair<std::string, torch::Tensor>> trainable_snapshot(const torch::nn::Module& model);
// Copies a snapshot back into the model's parameters of the same names (InputError on a missing name or
// a shape mismatch).
void restore_snapshot(torch::nn::Module& model,
                      const std::vector<std::pair<std::string, torch::Tensor>>& snapshot,
                      const std::string& origin);

// `dir` is the run's output dir; the checkpoint goes to dir/checkpoint. A write error (a full disk) is a
// std::runtime_error that says the previous checkpoint is intact; the partial checkpoint.tmp is removed.
void save_checkpoint(const std::filesystem::path& dir, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainerState& state,
                     const std::vector<std::pair<std::string, torch::Tensor>>& best);
// The newest whole checkpoint under output_dir, or "" when there is none.
std::filesystem::path find_checkpoint(const std::filesystem::path& output_dir);
// What a kill may leave in a run's output dir, cleaned before the run writes anything: a checkpoint
// swap cut between its renames finished (checkpoint.old back as checkpoint), checkpoint.tmp removed,
// temporary files of dead writers removed. Returns what it did, one line each ("" items none).
std::vector<std::string> clean_after_kill(const std::filesystem::path& output_dir);

// The fingerprint of a run, recorded in each checkpoint and compared on resume:
//   config    every resolved config key that decides the training trajectory, flattened
//             ("training.learning_rate": "0.005"); paths, threads, logging, saving and export keys are
//             left out (the data and backbone are compared by content instead)
//   data      per split used by the loop (train, validation): rows and a digest of the tokenized rows,
//             labels and weights, and the file they came from
//   backbone  the sha256 of the backbone's weights ("" for a random-init one, which the config fixes)
nlohmann::json config_fingerprint(const Config& config);
nlohmann::json rows_fingerprint(const data::TokenizedRows& rows, const std::string& file);
nlohmann::json run_fingerprint(const Config& config,
                               const std::vector<std::pair<std::string, nlohmann::json>>& splits,
                               const std::string& backbone_sha256);
// InputError naming the checkpoint and each difference ("training.learning_rate: 0.005 in the
// checkpoint, 0.001 now"; "data: the train split ...") when `recorded` (a checkpoint's) and `now`
// differ. A checkpoint without a fingerprint (older) is not checked.
void check_fingerprint(const std::filesystem::path& checkpoint_dir, const nlohmann::json& recorded,
                       const nlohmann::json& now);
// InputError naming the file when a checkpoint file is missing or differs in size or sha256 from what
// trainer_state.json records (a truncated or altered checkpoint).
void verify_checkpoint_files(const std::filesystem::path& dir, const TrainerState& state);
// The checkpoint dir that training.resume_from_checkpoint names: "latest" -> find_checkpoint(output_dir);
// otherwise a checkpoint dir (holding trainer_state.json) or a run's output dir (its newest checkpoint).
// InputError naming the key when there is none.
std::filesystem::path resolve_resume_checkpoint(const std::string& resume_from_checkpoint,
                                                const std::filesystem::path& output_dir);
// Reads <dir>/trainer_state.json (InputError naming the file when missing or malformed).
TrainerState read_trainer_state(const std::filesystem::path& dir);
// Restores weights, optimizer, RNG and state from a checkpoint dir (find_checkpoint); returns the best
// weights it holds. First checks the files (verify_checkpoint_files) and, with `fingerprint`, that the
// checkpoint is of this run (check_fingerprint): InputError, nothing restored, when not.
std::vector<std::pair<std::string, torch::Tensor>> load_checkpoint(
    const std::filesystem::path& dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
    TrainerState& state, const nlohmann::json* fingerprint = nullptr);

}  // namespace attune::trainer
