#include "data/tokenizers/word_tokenizer.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

void check_settings(const WordTokenizerSettings& settings, const std::string& where) {
  if (settings.num_words < 3)
    throw InputError(where + "num_words: expected at least 3 (<pad>, the OOV token and one word), got " +
                     std::to_string(settings.num_words));
  if (settings.oov_token.empty() || settings.oov_token == WordTokenizer::kPadToken)
    throw InputError(where + "oov_token: expected a non-empty token other than \"" +
                     WordTokenizer::kPadToken + "\", got \"" + settings.oov_token + "\"");
}

// text with each literal "<pad>" / OOV token replaced by a space: the base matches those as special
// tokens before the words are split (leftmost match, the longer first), so fit must not count them.
std::string blank_special_literals(const std::string& text, const std::string& oov_token) {
  const std::string pad = WordTokenizer::kPadToken;
  const std::string& longer = oov_token.size() >= pad.size() ? oov_token : pad;
  const std::string& shorter = oov_token.size() >= pad.size() ? pad : oov_token;
  if (text.find(pad) == std::string::npos && text.find(oov_token) == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, longer.size(), longer) == 0) {
      out.push_back(' ');
      i += longer.size();
    } else if (text.compare(i, shorter.size(), shorter) == 0) {
      out.push_back(' ');
      i += shorter.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace

WordTokenizer::WordTokenizer(std::vector<std::string> vocab, WordTokenizerSettings settings,
                             TokenizerOptions options, TokenizerConfig config)
    : Tokenizer(TokenizerKind::kWord, options, std::move(config)),
      vocab_(std::move(vocab)),
      settings_(std::move(settings)) {
  check_settings(settings_, "word tokenizer: ");
  if (vocab_.size() < 2 || vocab_[0] != kPadToken || vocab_[1] != settings_.oov_token)
    throw InputError("word tokenizer: the vocabulary must start with \"" + std::string(kPadToken) +
                     "\" (id 0) and the OOV token \"" + settings_.oov_token + "\" (id 1)");
  if (static_cast<std::int64_t>(vocab_.size()) > settings_.num_words)
    throw InputError("word tokenizer: " + std::to_string(vocab_.size()) + " words is more than num_words " +
                     std::to_string(settings_.num_words));
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i)
    if (!ids_.emplace(vocab_[i], static_cast<std::int64_t>(i)).second)
      throw InputError("word tokenizer: the word \"" + vocab_[i] + "\" appears twice in the vocabulary");
  for (std::size_t i = 0; i < settings_.filters.size();) {
    const auto byte = static_cast<unsigned char>(settings_.filters[i]);
    if (byte < 0x80) {
      ascii_filter_[byte] = true;
      ++i;
      continue;
    }
    char32_t cp = 0;
    i += unicode::decode_utf8(settings_.filters, i, &cp);
    other_filters_.push_back(cp);
  }
  lower_case_plain_ = settings_.lower;
  finish_setup({{"pad_token", kPadToken}, {"unk_token", settings_.oov_token}});
}

std::unique_ptr<WordTokenizer> WordTokenizer::fit(const std::vector<std::string>& texts,
                                                  WordTokenizerSettings settings, TokenizerOptions options) {
  check_settings(settings, "word tokenizer: ");
  // A throwaway tokenizer with the settings, for words().
  const WordTokenizer splitter({kPadToken, settings.oov_token}, settings, options, {});
  // Counts in order of first appearance (Keras's OrderedDict).
  std::unordered_map<std::string, std::size_t> slot;
  std::vector<std::pair<std::string, std::int64_t>> counts;
  for (const std::string& text : texts) {
    const std::vector<std::string> words = splitter.words(
        blank_special_literals(options.lowercase ? unicode::to_lower(text) : text, settings.oov_token));
    for (const std::string& word : words) {
      auto [it, inserted] = slot.emplace(word, counts.size());
      if (inserted) counts.emplace_back(word, 0);
      ++counts[it->second].second;
    }
  }
  std::stable_sort(counts.begin(), counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> vocab = {kPadToken, settings.oov_token};
  for (const auto& [word, count] : counts) {
    if (static_cast<std::int64_t>(vocab.size()) >= settings.num_words) break;
    if (word == kPadToken || word == settings.oov_token) continue;  // keep their reserved ids
    vocab.push_back(word);
  }
  return std::make_unique<WordTokenizer>(std::move(vocab), std::move(settings), options, TokenizerConfig{});
}

std::unique_ptr<WordTokenizer> WordTokenizer::from_file(const std::filesystem::path& word_index_json,
                                                        TokenizerOptions options, TokenizerConfig config) {
  const std::string file = word_index_json.string();
  const nlohmann::json json = read_json_file(word_index_json);
  if (!json.is_object()) throw InputError(file + ": expected a JSON object (a word_index.json)");
  auto key = [&](const char* name, bool (nlohmann::json::*is_type)() const noexcept,
                 const char* expected) -> const nlohmann::json& {
    return required_key(json, file, name, is_type, expected);
  };
  if (key("tokenizer", &nlohmann::json::is_string, "\"attune-word\"").get<std::string>() != kFormat)
    throw InputError(file + ": key tokenizer: expected \"attune-word\", got \"" +
                     json["tokenizer"].get<std::string>() + "\"");
  WordTokenizerSettings settings;
  settings.num_words = key("num_words", &nlohmann::json::is_number_integer, "an integer").get<std::int64_t>();
  settings.oov_token = key("oov_token", &nlohmann::json::is_string, "a string").get<std::string>();
  settings.lower = key("lower", &nlohmann::json::is_boolean, "true or false").get<bool>();
  settings.filters = key("filters", &nlohmann::json::is_string, "a string").get<std::string>();
  check_settings(settings, file + ": key ");
  const nlohmann::json& index = key("word_index", &nlohmann::json::is_object, "an object {word: id}");
  const std::size_t n = index.size();
  const std::string ids_expected = "expected ids 0.." + std::to_string(n - 1) + " each once";
  std::vector<std::string> vocab(n);
  std::vector<bool> seen(n, false);
  for (const auto& [word, id] : index.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() >= static_cast<std::int64_t>(n) || seen[id.get<std::size_t>()])
      throw InputError(file + ": key word_index: " + ids_expected + " (\"" + word + "\": " + id.dump() + ")");
    seen[id.get<std::size_t>()] = true;
    vocab[id.get<std::size_t>()] = word;
  }
  if (n < 2 || vocab[0] != kPadToken || vocab[1] != settings.oov_token)
    throw InputError(file + ": key word_index: expected \"" + std::string(kPadToken) + "\": 0 and \"" +
                     settings.oov_token + "\": 1 (the oov_token)");
  if (static_cast<std::int64_t>(n) > settings.num_words)
    throw InputError(file + ": key word_index: expected at most num_words = " +
                     std::to_string(settings.num_words) + " words, got " + std::to_string(n));
  return std::make_unique<WordTokenizer>(std::move(vocab), std::move(settings), options, std::move(config));
}

void WordTokenizer::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json index = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < vocab_.size(); ++i) index[vocab_[i]] = static_cast<std::int64_t>(i);
  nlohmann::ordered_json json = {
      {"tokenizer", kFormat},     {"num_words", settings_.num_words}, {"oov_token", settings_.oov_token},
      {"lower", settings_.lower}, {"filters", settings_.filters},     {"word_index", std::move(index)}};
  const std::filesystem::path file = dir / kFileName;
  std::string text;
  try {
    text = json.dump(1) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() +
                     ": cannot write the vocabulary (a word is not valid UTF-8): " + e.what());
  }
  write_file_atomic(file, text);
}

std::vector<std::string> WordTokenizer::words(const std::string& text) const {
  return split_words(settings_.lower ? unicode::to_lower(text) : text);
}

std::vector<std::string> WordTokenizer::split_words(const std::string& text) const {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte == ' ' || ascii_filter_[byte]) {
        flush();
      } else {
        word.push_back(text[i]);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t length = unicode::decode_utf8(text, i, &cp);
    if (!other_filters_.empty() &&
        std::find(other_filters_.begin(), other_filters_.end(), cp) != other_filters_.end()) {
      flush();
    } else {
      word.append(text, i, length);
    }
    i += length;
  }
  flush();
  return out;
}

void WordTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const {
  // The base has applied the lower-casing (lower_case_plain_).
  const std::size_t before = ids.size();
  for (const std::string& word : split_words(text)) {
    auto it = ids_.find(word);
    ids.push_back(it == ids_.end() || it->second == 0 ? oov_id() : it->second);
  }
  if (ids.size() == before) ids.push_back(oov_id());  // rows are never empty
}

std::string WordTokenizer::decode_plain(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (std::int64_t id : ids) {
    auto word = model_id_to_token(id);
    if (!word) continue;
    if (!out.empty()) out.push_back(' ');
    out += *word;
  }
  return out;
}

std::optional<std::string> WordTokenizer::model_id_to_token(std::int64_t id) const {
  if (id < 0 || id >= model_vocab_size()) return std::nullopt;
  return vocab_[static_cast<std::size_t>(id)];
}

std::optional<std::int64_t> WordTokenizer::model_token_to_id(const std::string& token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace attune::data
