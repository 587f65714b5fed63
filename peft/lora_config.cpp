#include "peft/lora_config.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "base/errors.h"
#include "data/tokenizers/tokenizer_config.h"

namespace attune::peft {
namespace {

using json = nlohmann::json;

// PEFT fields attune does not implement: accepted only at their default (null, false, {} or []).
const char* const kUnsupportedFields[] = {
    "alora_invocation_tokens",
    "alpha_pattern",
    "arrow_config",
    "corda_config",
    "eva_config",
    "fan_in_fan_out",
    "layer_replication",
    "loftq_config",
    "lora_bias",
    "lora_ga_config",
    "megatron_config",
    "monteclora_config",
    "rank_pattern",
    "target_parameters",
    "trainable_token_indices",
    "use_bdlora",
    "use_dora",
    "use_qalora",
    "velora_config",
    "ensure_weight_tying",
};

bool is_default_value(const json& v) {
  return v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_object() && v.empty()) ||
         (v.is_array() && v.empty());
}

std::string where(const std::string& origin, const std::string& key) {
  return origin + ": key '" + key + "'";
}

template <typename T>
T get_as(const json& j, const std::string& key, const std::string& origin, const char* expected) {
  const auto& v = j.at(key);
  bool ok = false;
  if constexpr (std::is_same_v<T, int64_t>) ok = v.is_number_integer();
  if constexpr (std::is_same_v<T, double>) ok = v.is_number();
  if constexpr (std::is_same_v<T, bool>) ok = v.is_boolean();
  if constexpr (std::is_same_v<T, std::string>) ok = v.is_string();
  if (!ok) throw InputError(where(origin, key) + ": expected " + expected + ", got " + v.dump());
  return v.get<T>();
}

std::vector<std::string> string_list(const json& v, const std::string& what) {
  std::vector<std::string> out;
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) throw InputError(what + ": expected a list of strings, got " + v.dump());
  for (const auto& item : v) {
    if (!item.is_string()) throw InputError(what + ": expected a list of strings, got " + v.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

LoraConfig attune_lora_defaults() {
  LoraConfig c;
  c.lora_alpha = 16;
  c.lora_dropout = 0.1;
  return c;
}

double LoraConfig::scaling() const {
  return use_rslora ? lora_alpha / std::sqrt(static_cast<double>(r)) : lora_alpha / static_cast<double>(r);
}

void LoraConfig::validate() const {
  if (r < 1) throw InputError("r: expected a positive rank, got " + std::to_string(r));
  if (!(lora_alpha > 0))
    throw InputError("lora_alpha: expected a positive number, got " + std::to_string(lora_alpha));
  if (!(lora_dropout >= 0 && lora_dropout < 1))
    throw InputError("lora_dropout: expected a probability in [0, 1), got " + std::to_string(lora_dropout));
  if (bias != "none" && bias != "all" && bias != "lora_only")
    throw InputError("bias: expected none, all or lora_only, got '" + bias + "'");
}

LoraConfig lora_config_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw InputError(origin + ": expected a JSON object (adapter_config.json)");
  LoraConfig c;
  const std::string peft_type = j.value("peft_type", std::string());
  if (peft_type != "LORA")
    throw InputError(where(origin, "peft_type") +
                     ": expected \"LORA\" (the only PEFT method attune reads), got " +
                     j.value("peft_type", json()).dump());
  if (j.contains("task_type") && j["task_type"] != "SEQ_CLS")
    throw InputError(where(origin, "task_type") + ": expected \"SEQ_CLS\" (sequence classification), got " +
                     j["task_type"].dump());
  for (const char* key : kUnsupportedFields)
    if (j.contains(key) && !is_default_value(j[key]))
      throw InputError(where(origin, key) + ": attune implements plain LoRA only; expected the default " +
                       "(null/false/empty), got " + j[key].dump());
  if (j.contains("r")) c.r = get_as<int64_t>(j, "r", origin, "a positive integer");
  if (j.contains("lora_alpha")) c.lora_alpha = get_as<double>(j, "lora_alpha", origin, "a number");
  if (j.contains("lora_dropout")) c.lora_dropout = get_as<double>(j, "lora_dropout", origin, "a number");
  if (j.contains("target_modules"))
    c.target_modules = ModuleSelector::from_json(j["target_modules"], where(origin, "target_modules"));
  if (j.contains("exclude_modules"))
    c.exclude_modules = ModuleSelector::from_json(j["exclude_modules"], where(origin, "exclude_modules"));
  if (j.contains("modules_to_save") && !j["modules_to_save"].is_null())
    c.modules_to_save = string_list(j["modules_to_save"], where(origin, "modules_to_save"));
  if (j.contains("bias")) c.bias = get_as<std::string>(j, "bias", origin, "none, all or lora_only");
  if (j.contains("use_rslora")) c.use_rslora = get_as<bool>(j, "use_rslora", origin, "true or false");
  if (j.contains("init_lora_weights"))
    c.init_lora_weights =
        get_as<bool>(j, "init_lora_weights", origin, "true or false (other inits unsupported)");
  if (j.contains("layers_to_transform") && !j["layers_to_transform"].is_null()) {
    const auto& v = j["layers_to_transform"];
    if (v.is_number_integer()) {
      c.layers_to_transform = {v.get<int64_t>()};
    } else if (v.is_array()) {
      for (const auto& item : v) {
        if (!item.is_number_integer())
          throw InputError(where(origin, "layers_to_transform") + ": expected integers, got " + v.dump());
        c.layers_to_transform.push_back(item.get<int64_t>());
      }
    } else {
      throw InputError(where(origin, "layers_to_transform") + ": expected an integer or a list, got " +
                       v.dump());
    }
  }
  if (j.contains("layers_pattern") && !j["layers_pattern"].is_null())
    c.layers_pattern = string_list(j["layers_pattern"], where(origin, "layers_pattern"));
  if (j.contains("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
    c.base_model_name_or_path = j["base_model_name_or_path"].get<std::string>();
  if (j.contains("revision") && j["revision"].is_string()) c.revision = j["revision"].get<std::string>();
  if (j.contains("inference_mode"))
    c.inference_mode = get_as<bool>(j, "inference_mode", origin, "true or false");
  try {
    c.validate();
  } catch (const InputError& e) {
    throw InputError(origin + ": " + e.what());
  }
  return c;
}

LoraConfig load_lora_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file + ": cannot open (expected a PEFT adapter_config.json)");
  // Values of the wrong type are quoted back in the errors (json::dump recurses): the nesting is bounded
  // before parsing.
  const json j = data::parse_json_text(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), file);
  try {
    return lora_config_from_json(j, file);
  } catch (const json::exception& e) {  // a field of the wrong type
    throw InputError(file + ": " + e.what());
  }
}

json lora_config_to_json(const LoraConfig& c) {
  json j = json::object();
  // Fields PEFT writes at their defaults (attune does not implement them).
  for (const char* key :
       {"alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config", "eva_config",
        "layer_replication", "lora_ga_config", "megatron_config", "monteclora_config", "target_parameters",
        "trainable_token_indices", "use_bdlora", "velora_config"})
    j[key] = nullptr;
  for (const char* key : {"alpha_pattern", "loftq_config", "rank_pattern"}) j[key] = json::object();
  for (const char* key : {"ensure_weight_tying", "fan_in_fan_out", "lora_bias", "use_dora", "use_qalora"})
    j[key] = false;
  j["megatron_core"] = "megatron.core";
  j["qalora_group_size"] = 16;
  j["peft_type"] = "LORA";
  j["peft_version"] = kPeftVersion;
  j["task_type"] = "SEQ_CLS";
  // attune's fields.
  j["base_model_name_or_path"] =
      c.base_model_name_or_path.empty() ? json(nullptr) : json(c.base_model_name_or_path);
  j["revision"] = c.revision ? json(*c.revision) : json(nullptr);
  j["bias"] = c.bias;
  j["exclude_modules"] = c.exclude_modules.to_json();
  j["inference_mode"] = c.inference_mode;
  j["init_lora_weights"] = c.init_lora_weights;
  j["layers_pattern"] = c.layers_pattern.empty() ? json(nullptr) : json(c.layers_pattern);
  j["layers_to_transform"] = c.layers_to_transform.empty() ? json(nullptr) : json(c.layers_to_transform);
  // PEFT declares lora_alpha an int; keep integral values integral in the file.
  if (std::floor(c.lora_alpha) == c.lora_alpha && std::abs(c.lora_alpha) < 1e15)
    j["lora_alpha"] = static_cast<int64_t>(c.lora_alpha);
  else
    j["lora_alpha"] = c.lora_alpha;
  j["lora_dropout"] = c.lora_dropout;
  j["modules_to_save"] = c.modules_to_save ? json(*c.modules_to_save) : json(nullptr);
  j["r"] = c.r;
  j["target_modules"] = c.target_modules.to_json();
  j["use_rslora"] = c.use_rslora;
  return j;
}

}  // namespace attune::peft
