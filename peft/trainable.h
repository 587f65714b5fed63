// Which parameters train, and PEFT's one-line summary of them (PeftModel.print_trainable_parameters).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace attune::peft {

// requires_grad = false on every parameter.
void freeze_all(torch::nn::Module& model);

// requires_grad = `trainable` on every parameter of the submodule at `module_path` (a named_modules key).
// Throws InputError when no such submodule exists.
void set_module_trainable(torch::nn::Module& model, const std::string& module_path, bool trainable = true);

// modules_to_save: makes every submodule whose name equals an entry or ends with "." + entry trainable
// (PEFT's matching). Throws InputError "<where>: peft.modules_to_save: '<entry>' names no module of this
// model" when an entry matches nothing (`where`: the config file and line of the key).
void mark_modules_to_save(torch::nn::Module& model, const std::vector<std::string>& names,
                          const std::string& where);

// The (name, parameter) pairs with requires_grad, in named_parameters order.
std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(const torch::nn::Module& model);

struct ParameterCount {
  int64_t trainable = 0;
  int64_t all = 0;
};

// Counts numel over named_parameters. `extra_frozen` is added to `all`: PEFT's count includes the frozen
// original copy that ModulesToSaveWrapper keeps of each modules_to_save module (see lora_parameter_count).
ParameterCount count_parameters(const torch::nn::Module& model, int64_t extra_frozen = 0);

// "trainable params: 1,339,396 || all params: 125,987,080 || trainable%: 1.0631", exactly as PEFT prints.
std::string trainable_summary(const ParameterCount& count);

// "1,339,396": Python's format(n, ",d").
std::string with_thousands(int64_t n);

}  // namespace attune::peft
