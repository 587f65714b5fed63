#include "trainer/optimizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>

#include "base/errors.h"

namespace attune::trainer {

bool is_no_decay_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  // The Trainer's forbidden name patterns: bias, layernorm, rmsnorm, a "norm" segment, a "_norm" suffix.
  static const std::regex kForbidden(R"(bias|layernorm|layer_norm|rmsnorm|(^|\.)norm($|\.)|_norm($|\.))");
  return std::regex_search(lower, kForbidden);
}

std::vector<torch::Tensor> DecayGroups::all() const {
  std::vector<torch::Tensor> out = decay;
  out.insert(out.end(), no_decay.begin(), no_decay.end());
  return out;
}

DecayGroups split_decay_groups(const torch::nn::Module& module) {
  // Prefixes of LayerNorm submodules: everything under them is no-decay whatever its name.
  std::vector<std::string> norm_prefixes;
  for (const auto& item : module.named_modules(/*name_prefix=*/"", /*include_self=*/false))
    if (item.value()->as<torch::nn::LayerNorm>() != nullptr) norm_prefixes.push_back(item.key() + ".");

  DecayGroups groups;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const std::string& name = item.key();
    const bool in_norm = std::any_of(norm_prefixes.begin(), norm_prefixes.end(),
                                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
    if (in_norm || is_no_decay_name(name)) {
      groups.no_decay_names.push_back(name);
      groups.no_decay.push_back(item.value());
    } else {
      groups.decay_names.push_back(name);
      groups.decay.push_back(item.value());
    }
  }
  return groups;
}

std::unique_ptr<torch::optim::AdamW> make_adamw(const DecayGroups& groups, const AdamWSettings& s) {
  if (groups.decay.empty() && groups.no_decay.empty())
    throw InputError("optimizer: the model has no trainable parameters");
  if (!(s.learning_rate >= 0.0)) throw InputError("learning_rate: expected a number >= 0");
  if (!(s.weight_decay >= 0.0)) throw InputError("weight_decay: expected a number >= 0");
  if (!(s.beta1 >= 0.0 && s.beta1 < 1.0)) throw InputError("adam_beta1: expected a number in [0, 1)");
  if (!(s.beta2 >= 0.0 && s.beta2 < 1.0)) throw InputError("adam_beta2: expected a number in [0, 1)");
  if (!(s.epsilon >= 0.0)) throw InputError("adam_epsilon: expected a number >= 0");

  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(s.learning_rate)
                                                            .betas(std::make_tuple(s.beta1, s.beta2))
                                                            .eps(s.epsilon)
                                                            .weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  if (!groups.decay.empty()) param_groups.emplace_back(groups.decay, options(s.weight_decay));
  if (!groups.no_decay.empty()) param_groups.emplace_back(groups.no_decay, options(/*weight_decay=*/0.0));
  return std::make_unique<torch::optim::AdamW>(param_groups, torch::optim::AdamWOptions(s.learning_rate));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double base_lr, double multiplier) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(base_lr * multiplier);
}

double learning_rate(const torch::optim::Optimizer& optimizer) {
  return optimizer.param_groups().empty() ? 0.0 : optimizer.param_groups().front().options().get_lr();
}

double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> with_grad;
  for (const auto& p : parameters)
    if (p.grad().defined()) with_grad.push_back(p);
  if (with_grad.empty()) return 0.0;
  if (max_norm <= 0.0) {
    double sum = 0.0;
    for (const auto& p : with_grad) sum += p.grad().detach().to(torch::kDouble).pow(2).sum().item<double>();
    return std::sqrt(sum);
  }
  return torch::nn::utils::clip_grad_norm_(with_grad, max_norm);
}

void save_optimizer(const torch::optim::Optimizer& optimizer, const std::filesystem::path& file) {
  const auto tmp = file.string() + ".tmp";
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.save_to(tmp);
  std::filesystem::rename(tmp, file);
}

void load_optimizer(torch::optim::Optimizer& optimizer, const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw InputError(file.string() + ": optimizer state file not found");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string());
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw InputError(file.string() + ": not an optimizer state saved for these parameter groups (" +
                     e.what_without_backtrace() + ")");
  }
}

}  // namespace attune::trainer
