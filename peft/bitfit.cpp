#include "peft/bitfit.h"

#include "base/errors.h"
#include "peft/trainable.h"

namespace attune::peft {
namespace {

bool is_bias(const std::string& name) {
  const auto dot = name.rfind('.');
  return (dot == std::string::npos ? name : name.substr(dot + 1)) == "bias";
}

void set_head_trainable(models::SequenceClassifier& model) {
  for (const auto& head : model.head_module_names()) set_module_trainable(model, head);
}

}  // namespace

void apply_bitfit(models::SequenceClassifier& model) {
  freeze_all(model);
  for (auto& item : model.named_parameters())
    if (is_bias(item.key())) item.value().set_requires_grad(true);
  set_head_trainable(model);
}

void apply_full(models::SequenceClassifier& model) {
  for (auto& p : model.parameters()) p.set_requires_grad(true);
}

void apply_head_only(models::SequenceClassifier& model) {
  freeze_all(model);
  set_head_trainable(model);
}

void apply_method(models::SequenceClassifier& model, const std::string& method) {
  if (method == "bitfit") return apply_bitfit(model);
  if (method == "full") return apply_full(model);
  if (method == "head") return apply_head_only(model);
  throw InputError("method: expected bitfit, full or head here (lora is applied with apply_lora), got '" +
                   method + "'");
}

}  // namespace attune::peft
