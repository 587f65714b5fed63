#include "peft/lora.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/errors.h"
#include "models/autocast.h"
#include "peft/trainable.h"

namespace attune::peft {
namespace {

// How many module names an error message lists.
constexpr size_t kNamesInErrors = 12;

// Names PeftModelForSequenceClassification appends to modules_to_save.
const char* const kSeqClsHeadNames[] = {"classifier", "score"};

std::string join(const std::vector<std::string>& names, size_t limit) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

std::string describe(const ModuleSelector& s) {
  return s.to_json().dump();
}

bool starts_with_path(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '.';
}

// requires_grad as PEFT's _mark_only_adapters_as_trainable + modules_to_save leaves it.
void mark_trainable(torch::nn::Module& model, const LoraInfo& info) {
  freeze_all(model);
  for (auto& [path, linear] : lora_linears(model)) {
    auto lora = lora_of(*linear);
    lora->lora_A->weight.set_requires_grad(true);
    lora->lora_B->weight.set_requires_grad(true);
    if (info.config.bias == "lora_only" && linear->bias.defined()) linear->bias.set_requires_grad(true);
  }
  if (info.config.bias == "all")
    for (auto& item : model.named_parameters())
      if (item.key().find("bias") != std::string::npos) item.value().set_requires_grad(true);
  for (const auto& path : info.saved_modules) set_module_trainable(model, path);
}

}  // namespace

LoraAdapter::LoraAdapter(models::LinearImpl& base, int64_t r, double scaling_, double dropout,
                         bool init_lora_weights)
    : lora_A(base.in_features, r, /*bias=*/false),
      lora_B(r, base.out_features, /*bias=*/false),
      scaling(scaling_) {
  // models::Linear's init is torch.nn.Linear's: A gets kaiming_uniform(a=sqrt(5)) exactly as PEFT's
  // reset_lora_parameters redraws it; B starts at zero so the adapted layer starts equal to the base.
  if (init_lora_weights) {
    torch::NoGradGuard no_grad;
    lora_B->weight.zero_();
  }
  const auto device = base.weight.device();
  lora_A->to(device);
  lora_B->to(device);
  base.register_module("lora_A", lora_A);
  base.register_module("lora_B", lora_B);
  if (dropout > 0) lora_dropout = base.register_module("lora_dropout", models::FastDropout(dropout));
}

torch::Tensor LoraAdapter::delta(const torch::Tensor& x) {
  if (merged || !enabled) return torch::zeros({}, x.options());
  // Under CPU autocast lora_A casts its input to bf16 anyway: cast first (once), so the dropout mask is bf16
  // too, and keep the bf16 result, as PEFT's result.to(torch_result_dtype) does (the base output is bf16).
  const bool autocast =
      at::autocast::is_cpu_enabled() && x.device().is_cpu() && lora_A->weight.scalar_type() == torch::kFloat;
  auto h = autocast                                          ? models::autocast_input(x)
           : x.scalar_type() == lora_A->weight.scalar_type() ? x
                                                             : x.to(lora_A->weight.scalar_type());
  // h: [..., in] -> A: [..., r] -> B: [..., out]. While dropout is live, dropout and A run as one autograd
  // node that keeps h (shared with the base layer) instead of the mask and the dropped copy.
  torch::Tensor down;
  if (dropout_live() && !lora_A->bias.defined())
    down = models::dropout_linear(h, autocast ? lora_A->weight.to(h.scalar_type()) : lora_A->weight,
                                  lora_dropout->p, /*training=*/true);
  else
    down = lora_A->forward(lora_dropout ? lora_dropout(h) : h);
  // PEFT scales B's output; a power-of-two scaling (alpha = 2r, PEFT's and our default) is exact in any
  // binary float, so scaling B's input [..., r] instead gives the same bits, values and gradients (barring
  // overflow and subnormals), on a tensor out/r times smaller.
  int exponent = 0;
  const bool power_of_two = std::frexp(scaling, &exponent) == 0.5;
  auto out = power_of_two ? lora_B->forward(down * scaling) : lora_B->forward(down) * scaling;
  return autocast || out.scalar_type() == x.scalar_type() ? out : out.to(x.scalar_type());
}

bool LoraAdapter::dropout_live() const {
  return lora_dropout && lora_dropout->is_training() && lora_dropout->p > 0;
}

bool LoraAdapter::foldable() const {
  return !dropout_live() && !lora_A->bias.defined() && !lora_B->bias.defined();
}

std::vector<uint64_t> LoraAdapter::fold_key() const {
  uint64_t scaling_bits = 0;
  static_assert(sizeof(scaling_bits) == sizeof(scaling));
  std::memcpy(&scaling_bits, &scaling, sizeof(scaling));
  return {scaling_bits};
}

torch::Tensor LoraAdapter::delta_weight() const {
  torch::NoGradGuard no_grad;
  models::CpuAutocast fp32(/*enabled=*/false);  // in fp32 even when asked under autocast (a folded forward)
  const auto a = lora_A->weight.to(torch::kFloat32);
  const auto b = lora_B->weight.to(torch::kFloat32);
  return torch::matmul(b, a) * scaling;  // [out, r] @ [r, in] -> [out, in]
}

std::shared_ptr<LoraAdapter> lora_of(const models::LinearImpl& linear) {
  return std::dynamic_pointer_cast<LoraAdapter>(linear.adapter);
}

std::vector<std::pair<std::string, std::shared_ptr<models::LinearImpl>>> lora_linears(
    torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::shared_ptr<models::LinearImpl>>> out;
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    auto linear = std::dynamic_pointer_cast<models::LinearImpl>(item.value());
    if (linear && lora_of(*linear)) out.emplace_back(item.key(), linear);
  }
  return out;
}

ParameterCount lora_parameter_count(const torch::nn::Module& model, const LoraInfo& info) {
  int64_t copies = 0;
  const auto modules = model.named_modules(/*name_prefix=*/"", /*include_self=*/false);
  for (const auto& path : info.saved_modules)
    if (const auto* m = modules.find(path))
      for (const auto& p : (*m)->parameters()) copies += p.numel();
  return count_parameters(model, /*extra_frozen=*/copies);
}

void set_lora_enabled(torch::nn::Module& model, bool enabled) {
  for (auto& [path, linear] : lora_linears(model)) lora_of(*linear)->enabled = enabled;
}

LoraInfo apply_lora(models::SequenceClassifier& model, LoraConfig config) {
  config.validate();
  if (config.target_modules.empty())
    config.target_modules = ModuleSelector::list(default_target_modules(model.config.model_type));
  if (!config.modules_to_save) config.modules_to_save = model.head_module_names();
  auto& to_save = *config.modules_to_save;
  const bool has_all_seq_cls_names = std::all_of(
      std::begin(kSeqClsHeadNames), std::end(kSeqClsHeadNames),
      [&](const char* n) { return std::find(to_save.begin(), to_save.end(), n) != to_save.end(); });
  if (!has_all_seq_cls_names)
    to_save.insert(to_save.end(), std::begin(kSeqClsHeadNames), std::end(kSeqClsHeadNames));

  LoraInfo info;
  info.config = config;
  const MatchRules rules{config.target_modules, config.exclude_modules, to_save, config.layers_to_transform,
                         config.layers_pattern};
  const auto modules = model.named_modules(/*name_prefix=*/"", /*include_self=*/false);
  std::vector<std::string> linear_names, adapted_prefixes;
  size_t excluded = 0;
  for (const auto& item : modules) {
    const std::string& path = item.key();
    // Never adapt the internals of an adapter (lora_A/lora_B of an already adapted Linear).
    if (std::any_of(adapted_prefixes.begin(), adapted_prefixes.end(),
                    [&](const std::string& p) { return starts_with_path(path, p); }))
      continue;
    auto linear = std::dynamic_pointer_cast<models::LinearImpl>(item.value());
    if (linear) linear_names.push_back(path);
    if (linear && linear->adapter) adapted_prefixes.push_back(path);
    const MatchResult result = match_module(rules, path);
    if (result == MatchResult::kExcluded) ++excluded;
    if (result != MatchResult::kTargeted) continue;
    if (!linear)
      throw InputError("target_modules " + describe(config.target_modules) + " matches '" + path +
                       "', which is not a Linear layer (LoRA adapts Linear layers only)");
    if (linear->adapter)
      throw InputError("target_modules: '" + path +
                       "' already carries an adapter; apply LoRA once per model");
    linear->adapter = std::make_shared<LoraAdapter>(*linear, config.r, config.scaling(), config.lora_dropout,
                                                    config.init_lora_weights);
    info.adapted_modules.push_back(path);
  }
  if (info.adapted_modules.empty()) {
    std::string why =
        excluded > 0 ? " (the matches were all excluded by exclude_modules or modules_to_save)" : "";
    throw InputError("target_modules " + describe(config.target_modules) +
                     " matched no Linear layer of the " + model.config.model_type + " model" + why +
                     "; Linear layers are named like: " + join(linear_names, kNamesInErrors));
  }

  // modules_to_save: the outermost modules whose path ends with an entry (PEFT's _set_trainable).
  std::vector<bool> entry_used(to_save.size(), false);
  for (const auto& item : modules) {
    const std::string& path = item.key();
    bool hit = false;
    for (size_t i = 0; i < to_save.size(); ++i)
      if (is_module_to_save({to_save[i]}, path)) entry_used[i] = hit = true;
    if (!hit) continue;
    if (std::any_of(info.saved_modules.begin(), info.saved_modules.end(),
                    [&](const std::string& p) { return starts_with_path(path, p); }))
      continue;
    info.saved_modules.push_back(path);
  }
  for (size_t i = 0; i < to_save.size(); ++i)
    if (!entry_used[i] && to_save[i] != "score") {
      std::vector<std::string> top;
      for (const auto& child : model.named_children()) top.push_back(child.key());
      throw InputError("modules_to_save: '" + to_save[i] + "' matches no module of the " +
                       model.config.model_type +
                       " model; top-level modules are: " + join(top, kNamesInErrors));
    }
  mark_trainable(model, info);
  return info;
}

}  // namespace attune::peft
