// LoRA's settings, named and defaulted as PEFT 0.20's LoraConfig (peft/tuners/lora/config.py), and their
// adapter_config.json form (what PeftModel.save_pretrained writes, field for field).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peft/target_match.h"

namespace attune::peft {

// The PEFT version whose adapter_config.json layout we write.
inline constexpr const char* kPeftVersion = "0.20.0";

struct LoraConfig {
  int64_t r = 8;                  // rank of A [r, in] and B [out, r]
  double lora_alpha = 8;          // scaling = lora_alpha / r (or / sqrt(r) with use_rslora)
  double lora_dropout = 0.0;      // dropout on the adapter's input, train mode only
  ModuleSelector target_modules;  // empty: default_target_modules(model_type)
  ModuleSelector exclude_modules;
  // Trained and saved whole, never adapted. nullopt: the model's head_module_names().
  std::optional<std::vector<std::string>> modules_to_save;
  std::string bias = "none";  // "none" | "all" | "lora_only"
  bool use_rslora = false;
  bool init_lora_weights =
      true;  // true: A kaiming-uniform(a=sqrt(5)), B zeros; false: A and B random (testing)
  std::vector<int64_t> layers_to_transform;
  std::vector<std::string> layers_pattern;
  std::string base_model_name_or_path;  // written as null when empty
  std::optional<std::string> revision;
  bool inference_mode = true;  // what save_pretrained writes

  double scaling() const;
  // Throws InputError naming the field when a value is out of range (r < 1, alpha <= 0, dropout not in
  // [0, 1), bias not none/all/lora_only).
  void validate() const;
};

// attune's LoRA defaults (what `train` starts from for peft.*): PEFT's, except lora_alpha 16 (scaling 2 at
// r 8) and lora_dropout 0.1, the values of the model cards' runs.
LoraConfig attune_lora_defaults();

// Reads adapter_config.json's JSON. Fields PEFT has but attune does not implement must hold their
// defaults (use_dora false, fan_in_fan_out false, empty rank_pattern/alpha_pattern, ...); anything else
// throws InputError naming `origin` and the key. peft_type must be "LORA".
LoraConfig lora_config_from_json(const nlohmann::json& j, const std::string& origin);
LoraConfig load_lora_config(const std::string& file);

// The adapter_config.json PEFT 0.20 writes for this config (every field, PEFT's defaults for the ones
// attune does not implement), task_type SEQ_CLS.
nlohmann::json lora_config_to_json(const LoraConfig& config);

}  // namespace attune::peft
