#include "peft/adapter_io.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "base/errors.h"
#include "models/safetensors.h"
#include "peft/trainable.h"

namespace attune::peft {
namespace fs = std::filesystem;
namespace {

// Indentation of the adapter_config.json PEFT writes (json.dumps(indent=2, sort_keys=True)).
constexpr int kJsonIndent = 2;

std::string shape_of(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

bool inside(const std::string& name, const std::string& module_path) {
  return name.size() > module_path.size() && name.compare(0, module_path.size(), module_path) == 0 &&
         name[module_path.size()] == '.';
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> adapter_state_dict(torch::nn::Module& model,
                                                                      const LoraInfo& info) {
  const std::set<std::string> adapted(info.adapted_modules.begin(), info.adapted_modules.end());
  const std::string& bias = info.config.bias;
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    const bool is_lora =
        name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos;
    const bool to_save = std::any_of(info.saved_modules.begin(), info.saved_modules.end(),
                                     [&](const std::string& m) { return inside(name, m); });
    std::string key = name;
    bool take = is_lora || to_save;
    const std::string suffix = ".bias";
    const bool ends_bias =
        name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    const std::string owner = ends_bias ? name.substr(0, name.size() - suffix.size()) : std::string();
    const bool lora_bias = ends_bias && adapted.count(owner) > 0;
    if (!is_lora && !to_save) {
      if (bias == "all" && name.find("bias") != std::string::npos) take = true;
      if (bias == "lora_only" && lora_bias) take = true;
    }
    if (!take) continue;
    if (lora_bias) key = owner + ".base_layer.bias";  // PEFT's name for a wrapped Linear's own bias
    out[kPeftKeyPrefix + key] = item.value();
  }
  return {out.begin(), out.end()};
}

void save_adapter(const fs::path& dir, torch::nn::Module& model, const LoraInfo& info,
                  std::optional<torch::Dtype> dtype) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the adapter dir (" + ec.message() + ")");
  auto tensors = adapter_state_dict(model, info);
  for (auto& [name, t] : tensors) {
    t = t.detach();
    if (dtype && t.is_floating_point()) t = t.to(*dtype);
    t = t.to(torch::kCPU).contiguous();
  }
  models::save_safetensors(dir / kAdapterWeightsFile, tensors);
  const fs::path config_file = dir / kAdapterConfigFile;
  std::ofstream out(config_file);
  if (!out) throw InputError(config_file.string() + ": cannot write");
  out << lora_config_to_json(info.config).dump(kJsonIndent) << "\n";
  if (!out) throw InputError(config_file.string() + ": write failed");
}

bool is_adapter_dir(const fs::path& dir) {
  return fs::is_regular_file(dir / kAdapterConfigFile);
}

LoraInfo load_adapter(const fs::path& dir, models::SequenceClassifier& model, bool is_trainable) {
  const fs::path config_file = dir / kAdapterConfigFile;
  const fs::path weights_file = dir / kAdapterWeightsFile;
  if (!fs::is_regular_file(config_file))
    throw InputError(config_file.string() + ": missing (expected a PEFT adapter dir with " +
                     kAdapterConfigFile + " and " + kAdapterWeightsFile + ")");
  if (!fs::is_regular_file(weights_file))
    throw InputError(weights_file.string() + ": missing (PEFT adapter weights; .bin pickles are not read)");
  LoraConfig config = load_lora_config(config_file.string());
  auto file = models::SafetensorsFile::open(weights_file);
  LoraInfo info;
  try {
    info = apply_lora(model, config);
  } catch (const InputError& e) {
    throw InputError(config_file.string() + ": " + e.what());
  }
  std::map<std::string, torch::Tensor> expected;
  for (auto& [key, t] : adapter_state_dict(model, info)) expected[key] = t;
  std::set<std::string> filled;
  torch::NoGradGuard no_grad;
  for (const auto& key : file->names()) {
    auto it = expected.find(key);
    if (it == expected.end())
      throw InputError(weights_file.string() + ": unexpected tensor '" + key +
                       "' (not a LoRA weight of the " +
                       "modules adapter_config.json targets, nor a modules_to_save parameter)");
    const auto value = file->get(key);
    if (value.sizes() != it->second.sizes())
      throw InputError(weights_file.string() + ": tensor '" + key + "' has shape " + shape_of(value) +
                       ", the model expects " + shape_of(it->second));
    it->second.copy_(value.to(it->second.scalar_type()));
    filled.insert(key);
  }
  for (const auto& [key, t] : expected)
    if (!filled.count(key))
      throw InputError(weights_file.string() + ": missing tensor '" + key + "' (shape " + shape_of(t) + ")");
  if (!is_trainable) freeze_all(model);
  return info;
}

}  // namespace attune::peft
