// Checkpoints of a run, written atomically at the end of each epoch into <output_dir>/checkpoint:
//   trainable.safetensors  every parameter with requires_grad, by state_dict name
//   optimizer.pt           AdamW moments and step counts
//   rng_state.safetensors  torch's CPU generator state (dropout, LoRA init)
//   best.safetensors       the trainable weights of the best evaluation so far
//   trainer_state.json     epoch, global step, early-stopping state, timings, the run's labels
// Written to checkpoint.tmp, then swapped in by renames, so a kill at any moment leaves a whole checkpoint.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// `dir` is the run's output dir; the checkpoint goes to dir/checkpoint.
void save_checkpoint(const std::filesystem::path& dir, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainerState& state,
                     const std::vector<std::pair<std::string, torch::Tensor>>& best);
// The newest whole checkpoint under output_dir, or "" when there is none.
std::filesystem::path find_checkpoint(const std::filesystem::path& output_dir);
// The checkpoint dir that training.resume_from_checkpoint names: "latest" -> find_checkpoint(output_dir);
// otherwise a checkpoint dir (holding trainer_state.json) or a run's output dir (its newest checkpoint).
// InputError naming the key when there is none.
std::filesystem::path resolve_resume_checkpoint(const std::string& resume_from_checkpoint,
                                                const std::filesystem::path& output_dir);
// Reads <dir>/trainer_state.json (InputError naming the file when missing or malformed).
TrainerState read_trainer_state(const std::filesystem::path& dir);
// Restores weights, optimizer, RNG and state from a checkpoint dir (find_checkpoint); returns the best
// weights it holds.
std::vector<std::pair<std::string, torch::Tensor>> load_checkpoint(const std::filesystem::path& dir,
                                                                   torch::nn::Module& model,
                                                                   torch::optim::Optimizer& optimizer,
                                                                   TrainerState& state);

}  // namespace attune::trainer
