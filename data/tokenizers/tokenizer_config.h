// What a Hugging Face tokenizer dir says besides its vocabulary: tokenizer_config.json,
// special_tokens_map.json and added_tokens.json (each optional).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attune::data {

// A token matched literally in the raw text before the model's own tokenization (HF's AddedToken).
struct AddedToken {
  std::string content;
  std::int64_t id = -1;
  bool lstrip = false;  // swallows the whitespace to its left
  bool rstrip = false;  // swallows the whitespace to its right
};

struct TokenizerConfig {
  std::optional<bool> do_lower_case;
  std::optional<bool> strip_accents;                  // BERT: null follows do_lower_case
  std::optional<bool> tokenize_chinese_chars;         // BERT
  std::optional<std::int64_t> model_max_length;       // absent, or HF's "very large" placeholder: none
  std::map<std::string, std::string> special_tokens;  // "cls_token" -> "[CLS]", ...
  std::vector<AddedToken> added_tokens;               // with ids where the files give them
  std::string tokenizer_class;
};

// Reads the optional config files of dir; throws InputError naming the file on malformed JSON.
TokenizerConfig read_tokenizer_config(const std::filesystem::path& dir);

// Merges an "added_tokens" list of tokenizer.json (id, content, lstrip, rstrip) into config.
void merge_added_tokens(const nlohmann::json& added_tokens, const std::string& where,
                        TokenizerConfig& config);

// Parses a whole JSON file; throws InputError naming it (and the parser's position) when it is not JSON or
// nests deeper than kMaxJsonDepth (base/strings.h).
nlohmann::json read_json_file(const std::filesystem::path& path);
// The same for the text of a file already read; `origin` names it in the errors.
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);

// object[name] when it is there and `is_type` holds for it; else InputError "FILE: key NAME: expected
// EXPECTED". For attune's own tokenizer files (word_index.json, tfidf_vectorizer.json).
const nlohmann::json& required_key(const nlohmann::json& object, const std::string& file, const char* name,
                                   bool (nlohmann::json::*is_type)() const noexcept, const char* expected);
// object[name] when it is there and not null (`is_type` holding for it), else nullptr; InputError
// "WHERE" "NAME: expected EXPECTED, got TYPE" when it has another type (where: "file: key " or
// "file: key mask_token."). For the optional keys of Hugging Face's files.
const nlohmann::json* optional_key(const nlohmann::json& object, const std::string& where, const char* name,
                                   bool (nlohmann::json::*is_type)() const noexcept, const char* expected);

}  // namespace attune::data
