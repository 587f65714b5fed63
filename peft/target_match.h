// Which modules an adapter touches, with PEFT's matching rules (peft/tuners/tuners_utils.py,
// check_target_module_exists; peft/utils/other.py, _set_trainable).
//   - `target_modules` / `exclude_modules` as a list: a module path matches when it equals an entry or ends
//     with "." + entry; as a single string: a full regular-expression match on the path.
//   - modules inside `modules_to_save` never get an adapter (PEFT >= 0.16).
//   - `layers_to_transform` / `layers_pattern` restrict list matches to the numbered layers given.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune::peft {

// A `target_modules` or `exclude_modules` value: null, a list of names, or one regular expression.
struct ModuleSelector {
  std::optional<std::string> regex;  // set: the single-string (full regex match) form
  std::vector<std::string> names;    // the list form (used when regex is unset)

  bool empty() const { return !regex && names.empty(); }
  // PEFT's rule: regex -> std::regex_match(path); list -> path == name or path ends with "." + name.
  bool matches(const std::string& path) const;

  // Accepts null, a string or a list of strings; anything else throws InputError naming `key_path`.
  static ModuleSelector from_json(const nlohmann::json& value, const std::string& key_path);
  static ModuleSelector list(std::vector<std::string> names);
  static ModuleSelector pattern(std::string regex);
  // null when empty, the string for a regex, else the list.
  nlohmann::json to_json() const;
};

// The rules for one adapter, as LoraConfig carries them.
struct MatchRules {
  ModuleSelector target_modules;
  ModuleSelector exclude_modules;
  std::vector<std::string> modules_to_save;  // regex fragments, as PEFT treats them
  std::vector<int64_t> layers_to_transform;  // empty: every layer
  std::vector<std::string> layers_pattern;   // empty: any "<name>.<index>." segment
};

enum class MatchResult { kUnmatched, kExcluded, kTargeted };

// PEFT's check_target_module_exists for one module path (exclusions first, then modules_to_save, then
// the targets, then the layer filter). Throws InputError on an invalid regular expression.
MatchResult match_module(const MatchRules& rules, const std::string& path);

// True when `path` lies inside a modules_to_save module: PEFT's re.match("(^|.*\.)" + m + "($|\..*)").
bool inside_modules_to_save(const std::vector<std::string>& modules_to_save, const std::string& path);

// True when `path` is itself a modules_to_save module: PEFT's _set_trainable rule path.endswith(m).
bool is_module_to_save(const std::vector<std::string>& modules_to_save, const std::string& path);

// attune's default target_modules for a model_type (wider than PEFT's own query,value default: every
// projection): roberta/bert -> query,key,value,dense; deberta-v2 -> query_proj,key_proj,value_proj,dense.
// Unknown type throws InputError.
std::vector<std::string> default_target_modules(const std::string& model_type);

}  // namespace attune::peft
