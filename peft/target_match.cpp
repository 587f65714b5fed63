#include "peft/target_match.h"

#include <algorithm>
#include <regex>

#include "base/errors.h"
#include "base/strings.h"

namespace attune::peft {
namespace {

std::regex compile(const std::string& pattern, const std::string& what) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw InputError(what + ": invalid regular expression '" + pattern + "' (" + e.what() + ")");
  }
}

// PEFT's layer-index filter: the first "<segment>.<digits>." of the path (or "<pattern>.<digits>.").
bool layer_selected(const MatchRules& rules, const std::string& path) {
  if (rules.layers_to_transform.empty()) return true;
  std::vector<std::string> patterns = rules.layers_pattern;
  if (patterns.empty()) patterns.push_back("[^.]*");
  for (const auto& pattern : patterns) {
    const std::regex re = compile("^.*?\\." + pattern + "\\.(\\d+)\\.", "layers_pattern");
    std::smatch m;
    if (!std::regex_search(path, m, re)) continue;
    const int64_t index = std::stoll(m[1].str());
    return std::find(rules.layers_to_transform.begin(), rules.layers_to_transform.end(), index) !=
           rules.layers_to_transform.end();
  }
  return false;
}

}  // namespace

bool ModuleSelector::matches(const std::string& path) const {
  if (regex) return std::regex_match(path, compile(*regex, "target_modules/exclude_modules"));
  for (const auto& name : names)
    if (path == name || ends_with(path, "." + name)) return true;
  return false;
}

ModuleSelector ModuleSelector::from_json(const nlohmann::json& value, const std::string& key_path) {
  ModuleSelector s;
  if (value.is_null()) return s;
  if (value.is_string()) {
    s.regex = value.get<std::string>();
    compile(*s.regex, key_path);
    return s;
  }
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string() || item.get<std::string>().empty())
        throw InputError(key_path + ": expected a list of module names (non-empty strings), got " +
                         value.dump());
      s.names.push_back(item.get<std::string>());
    }
    return s;
  }
  throw InputError(key_path + ": expected null, a regular expression string or a list of module names, got " +
                   value.dump());
}

ModuleSelector ModuleSelector::list(std::vector<std::string> names) {
  ModuleSelector s;
  s.names = std::move(names);
  return s;
}

ModuleSelector ModuleSelector::pattern(std::string regex) {
  ModuleSelector s;
  s.regex = std::move(regex);
  return s;
}

nlohmann::json ModuleSelector::to_json() const {
  if (regex) return *regex;
  if (names.empty()) return nullptr;
  return names;
}

bool inside_modules_to_save(const std::vector<std::string>& modules_to_save, const std::string& path) {
  for (const auto& m : modules_to_save)
    if (std::regex_match(path, compile("(^|.*\\.)" + m + "($|\\..*)", "modules_to_save"))) return true;
  return false;
}

bool is_module_to_save(const std::vector<std::string>& modules_to_save, const std::string& path) {
  return std::any_of(modules_to_save.begin(), modules_to_save.end(),
                     [&](const std::string& m) { return ends_with(path, m); });
}

MatchResult match_module(const MatchRules& rules, const std::string& path) {
  if (rules.exclude_modules.matches(path)) return MatchResult::kExcluded;
  if (inside_modules_to_save(rules.modules_to_save, path)) return MatchResult::kExcluded;
  const auto& targets = rules.target_modules;
  if (targets.regex) return targets.matches(path) ? MatchResult::kTargeted : MatchResult::kUnmatched;
  // An exact listed path is taken as is; a suffix match also passes the layer filter.
  if (std::find(targets.names.begin(), targets.names.end(), path) != targets.names.end())
    return MatchResult::kTargeted;
  if (!targets.matches(path)) return MatchResult::kUnmatched;
  return layer_selected(rules, path) ? MatchResult::kTargeted : MatchResult::kUnmatched;
}

std::vector<std::string> default_target_modules(const std::string& model_type) {
  if (model_type == "roberta" || model_type == "bert") return {"query", "key", "value", "dense"};
  if (model_type == "deberta-v2") return {"query_proj", "key_proj", "value_proj", "dense"};
  throw InputError("target_modules: no default for model_type '" + model_type +
                   "' (expected roberta, bert or deberta-v2); list target_modules explicitly");
}

}  // namespace attune::peft
