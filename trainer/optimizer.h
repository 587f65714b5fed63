// AdamW over two parameter groups, as the Hugging Face Trainer builds it: weight decay on weights, none on
// biases and normalisation parameters (get_decay_parameter_names). Plus learning-rate setting, gradient
// clipping by global norm, and optimizer state files for checkpoints.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace attune::trainer {

// True for a parameter the Trainer never decays, judged by name (case-insensitive): any "bias", and
// LayerNorm/RMSNorm parameters ("layernorm", "layer_norm", "rmsnorm", a ".norm." segment, "_norm.").
bool is_no_decay_name(const std::string& name);

// Trainable parameters (requires_grad) split into the decay and no-decay groups, names in module order.
// A parameter is no-decay when is_no_decay_name says so or it belongs to a torch::nn::LayerNorm.
struct DecayGroups {
  std::vector<std::string> decay_names;
  std::vector<torch::Tensor> decay;
  std::vector<std::string> no_decay_names;
  std::vector<torch::Tensor> no_decay;

  // Both groups, decay first: what the optimizer updates and the gradient clipper clips.
  std::vector<torch::Tensor> all() const;
};
DecayGroups split_decay_groups(const torch::nn::Module& module);

// The Trainer's AdamW arguments (learning_rate, weight_decay, adam_beta1, adam_beta2, adam_epsilon).
struct AdamWSettings {
  double learning_rate = 5e-5;
  double weight_decay = 0.0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

// torch::optim::AdamW with the decay group (weight_decay) then the no-decay group (0); an empty group is
// left out. Throws InputError when there is nothing to train or a setting is out of range.
std::unique_ptr<torch::optim::AdamW> make_adamw(const DecayGroups& groups, const AdamWSettings& settings);

// Sets every group's learning rate to base_lr * multiplier (the scheduler's step).
void set_learning_rate(torch::optim::Optimizer& optimizer, double base_lr, double multiplier);
// The learning rate of the first group.
double learning_rate(const torch::optim::Optimizer& optimizer);

// Scales gradients so their global L2 norm is at most max_norm (max_norm <= 0: no clipping). Returns the
// norm before clipping. Parameters without a gradient are skipped.
double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm);

// Optimizer state (moments, step counts, group options) to a file, atomically, and back. Loading needs
// an optimizer built over the same parameter groups; a missing, corrupt or mismatched file is an InputError.
void save_optimizer(const torch::optim::Optimizer& optimizer, const std::filesystem::path& file);
void load_optimizer(torch::optim::Optimizer& optimizer, const std::filesystem::path& file);

}  // namespace attune::trainer
