#include "peft/trainable.h"

#include <cstdio>
#include <cstdlib>

#include "base/errors.h"

namespace attune::peft {

void freeze_all(torch::nn::Module& model) {
  for (auto& p : model.parameters()) p.set_requires_grad(false);
}

void set_module_trainable(torch::nn::Module& model, const std::string& module_path, bool trainable) {
  if (module_path.empty()) {
    for (auto& p : model.parameters()) p.set_requires_grad(trainable);
    return;
  }
  const auto modules = model.named_modules(/*name_prefix=*/"", /*include_self=*/false);
  const auto* found = modules.find(module_path);
  if (found == nullptr) throw InputError("no module named '" + module_path + "' in the model");
  for (auto& p : (*found)->parameters()) p.set_requires_grad(trainable);
}

void mark_modules_to_save(torch::nn::Module& model, const std::vector<std::string>& names,
                          const std::string& where) {
  const auto modules = model.named_modules(/*name_prefix=*/"", /*include_self=*/false);
  for (const auto& name : names) {
    bool found = false;
    for (const auto& item : modules) {
      const std::string& path = item.key();
      if (path == name ||
          (path.size() > name.size() && path.compare(path.size() - name.size(), name.size(), name) == 0 &&
           path[path.size() - name.size() - 1] == '.')) {
        set_module_trainable(model, path);
        found = true;
      }
    }
    if (!found)
      throw InputError(where + ": peft.modules_to_save: '" + name + "' names no module of this model");
  }
}

std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : model.named_parameters())
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

ParameterCount count_parameters(const torch::nn::Module& model, int64_t extra_frozen) {
  ParameterCount count;
  count.all = extra_frozen;
  for (const auto& p : model.parameters()) {
    count.all += p.numel();
    if (p.requires_grad()) count.trainable += p.numel();
  }
  return count;
}

std::string with_thousands(int64_t n) {
  const std::string digits = std::to_string(std::llabs(n));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string trainable_summary(const ParameterCount& count) {
  // PEFT divides by all params unguarded; an empty model has no meaningful percentage, print 0.
  const double percent = count.all > 0 ? 100.0 * static_cast<double>(count.trainable) / count.all : 0.0;
  char pct[64];
  std::snprintf(pct, sizeof pct, "%.4f", percent);
  return "trainable params: " + with_thousands(count.trainable) +
         " || all params: " + with_thousands(count.all) + " || trainable%: " + pct;
}

}  // namespace attune::peft
