#include "data/tokenizers/tokenizer_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "base/strings.h"

namespace attune::data {
namespace {

constexpr double kNoMaxLength = 1e9;  // HF writes ~1e30 for "no limit"
const char* const kSpecialRoles[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                     "pad_token", "cls_token", "mask_token"};

AddedToken* find_added(TokenizerConfig& config, const std::string& content) {
  for (auto& token : config.added_tokens)
    if (token.content == content) return &token;
  return nullptr;
}

// A token value is a string or an AddedToken object {"content": ..., "lstrip": ..., ...}.
void read_token(const nlohmann::json& value, const std::string& where, AddedToken& token) {
  if (value.is_string()) {
    token.content = value.get<std::string>();
    return;
  }
  if (!value.is_object() || !value.contains("content") || !value["content"].is_string())
    throw InputError(where + ": expected a string or an object with a string \"content\"");
  token.content = value["content"].get<std::string>();
  if (const auto* lstrip =
          optional_key(value, where + ".", "lstrip", &nlohmann::json::is_boolean, "true or false"))
    token.lstrip = lstrip->get<bool>();
  if (const auto* rstrip =
          optional_key(value, where + ".", "rstrip", &nlohmann::json::is_boolean, "true or false"))
    token.rstrip = rstrip->get<bool>();
}

void upsert(TokenizerConfig& config, const AddedToken& token, bool keep_flags) {
  if (AddedToken* existing = find_added(config, token.content)) {
    if (token.id >= 0) existing->id = token.id;
    if (!keep_flags) existing->lstrip = token.lstrip, existing->rstrip = token.rstrip;
    return;
  }
  config.added_tokens.push_back(token);
}

void read_special_tokens(const nlohmann::json& json, const std::string& file, TokenizerConfig& config) {
  for (const char* role : kSpecialRoles) {
    if (!json.contains(role) || json[role].is_null()) continue;
    AddedToken token;
    read_token(json[role], file + ": key " + role, token);
    config.special_tokens[role] = token.content;
    if (json[role].is_object()) upsert(config, token, /*keep_flags=*/false);
  }
}

std::optional<bool> optional_bool(const nlohmann::json& json, const char* key, const std::string& file) {
  if (!json.contains(key) || json[key].is_null()) return std::nullopt;
  if (!json[key].is_boolean()) throw InputError(file + ": key " + key + ": expected true or false");
  return json[key].get<bool>();
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_json_text(buffer.str(), path.string());
}

nlohmann::json parse_json_text(const std::string& text, const std::string& origin) {
  // Readers walk the values recursively: bound the nesting before parsing (real files nest a few levels).
  if (json_nesting_depth(text) > kMaxJsonDepth)
    throw InputError(origin + ": the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    throw InputError(origin + ": not valid JSON (" + e.what() + ")");
  }
}

void merge_added_tokens(const nlohmann::json& added_tokens, const std::string& where,
                        TokenizerConfig& config) {
  if (!added_tokens.is_array()) throw InputError(where + ": expected a list of added tokens");
  for (std::size_t i = 0; i < added_tokens.size(); ++i) {
    const auto& entry = added_tokens[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer())
      throw InputError(at + ": expected an object with an integer \"id\"");
    AddedToken token;
    read_token(entry, at, token);
    token.id = entry["id"].get<std::int64_t>();
    upsert(config, token, /*keep_flags=*/false);
  }
}

TokenizerConfig read_tokenizer_config(const std::filesystem::path& dir) {
  TokenizerConfig config;
  if (auto path = dir / "special_tokens_map.json"; std::filesystem::exists(path)) {
    const auto json = read_json_file(path);
    if (!json.is_object()) throw InputError(path.string() + ": expected a JSON object");
    read_special_tokens(json, path.string(), config);
  }
  if (auto path = dir / "tokenizer_config.json"; std::filesystem::exists(path)) {
    const auto json = read_json_file(path);
    const std::string file = path.string();
    if (!json.is_object()) throw InputError(file + ": expected a JSON object");
    read_special_tokens(json, file, config);
    config.do_lower_case = optional_bool(json, "do_lower_case", file);
    config.strip_accents = optional_bool(json, "strip_accents", file);
    config.tokenize_chinese_chars = optional_bool(json, "tokenize_chinese_chars", file);
    if (json.contains("model_max_length") && json["model_max_length"].is_number()) {
      const double value = json["model_max_length"].get<double>();
      if (value > 0 && value < kNoMaxLength) config.model_max_length = static_cast<std::int64_t>(value);
    }
    if (const auto* name =
            optional_key(json, file + ": key ", "tokenizer_class", &nlohmann::json::is_string, "a string"))
      config.tokenizer_class = name->get<std::string>();
    if (json.contains("added_tokens_decoder")) {
      const auto& decoder = json["added_tokens_decoder"];
      if (!decoder.is_object()) throw InputError(file + ": key added_tokens_decoder: expected an object");
      for (const auto& [key, value] : decoder.items()) {
        AddedToken token;
        read_token(value, file + ": key added_tokens_decoder." + key, token);
        const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), token.id);
        if (key.empty() || ec != std::errc() || end != key.data() + key.size() || token.id < 0)
          throw InputError(file + ": key added_tokens_decoder." + key + ": expected an integer id as key");
        upsert(config, token, /*keep_flags=*/false);
      }
    }
  }
  if (auto path = dir / "added_tokens.json"; std::filesystem::exists(path)) {
    const auto json = read_json_file(path);
    if (!json.is_object()) throw InputError(path.string() + ": expected an object {token: id}");
    for (const auto& [content, id] : json.items()) {
      if (!id.is_number_integer())
        throw InputError(path.string() + ": key " + content + ": expected an integer id");
      AddedToken token;
      token.content = content;
      token.id = id.get<std::int64_t>();
      upsert(config, token, /*keep_flags=*/true);
    }
  }
  return config;
}

const nlohmann::json& required_key(const nlohmann::json& object, const std::string& file, const char* name,
                                   bool (nlohmann::json::*is_type)() const noexcept, const char* expected) {
  if (!object.contains(name) || !(object[name].*is_type)())
    throw InputError(file + ": key " + name + ": expected " + expected);
  return object[name];
}

const nlohmann::json* optional_key(const nlohmann::json& object, const std::string& where, const char* name,
                                   bool (nlohmann::json::*is_type)() const noexcept, const char* expected) {
  if (!object.is_object() || !object.contains(name) || object[name].is_null()) return nullptr;
  if (!(object[name].*is_type)())
    throw InputError(where + name + ": expected " + expected + ", got " + object[name].type_name());
  return &object[name];
}

}  // namespace attune::data
