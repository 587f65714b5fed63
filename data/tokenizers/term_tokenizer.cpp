#include "data/tokenizers/term_tokenizer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

bool is_separator(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\v':
    case '\f':
    case '|':
    case ';':
    case '&':
    case '(':
    case ')':
    case '"':
    case '\'':
    case '`':
    case '<':
    case '>':
    case ',':
      return true;
    default:
      return false;
  }
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// ASCII letters, digits, '_', and every byte of a non-ASCII character.
bool is_word_byte(char c) {
  return is_ascii_letter(c) || is_ascii_digit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

bool all_word_bytes(const std::string& s, std::size_t begin, std::size_t end) {
  if (begin >= end) return false;
  for (std::size_t i = begin; i < end; ++i)
    if (!is_word_byte(s[i])) return false;
  return true;
}

// Reads 1..max_digits digits at s[*i] with a value <= max_value.
bool read_number(const std::string& s, std::size_t* i, std::size_t max_digits, long max_value) {
  const std::size_t begin = *i;
  long value = 0;
  while (*i < s.size() && is_ascii_digit(s[*i]) && *i - begin < max_digits) {
    value = value * 10 + (s[*i] - '0');
    ++*i;
  }
  return *i > begin && value <= max_value && !(*i < s.size() && is_ascii_digit(s[*i]));
}

bool is_ipv4(const std::string& s) {
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    if (!read_number(s, &i, 3, 255)) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == ':') {
    ++i;
    return read_number(s, &i, 5, 65535) && i == s.size();
  }
  if (s[i] == '/') {
    ++i;
    return read_number(s, &i, 2, 32) && i == s.size();
  }
  return false;
}

bool is_url(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && is_ascii_letter(s[i])) ++i;
  return i > 0 && s.compare(i, 3, "://") == 0;
}

bool is_path(const std::string& s) {
  return s.find_first_of("/\\") != std::string::npos || s[0] == '~';
}

bool is_flag(const std::string& s) {
  return s.size() >= 2 && s[0] == '-' && (is_ascii_letter(s[1]) || is_ascii_digit(s[1]) || s[1] == '-');
}

bool is_env_var(const std::string& s) {
  const std::size_t n = s.size();
  if (n >= 2 && s[0] == '$' && all_word_bytes(s, 1, n)) return true;                       // $NAME
  if (n >= 4 && s.compare(0, 2, "${") == 0 && s[n - 1] == '}' && s.find('}', 2) == n - 1)  // ${...}
    return true;
  return n >= 3 && s[0] == '%' && s[n - 1] == '%' && all_word_bytes(s, 1, n - 1);  // %NAME%
}

bool is_key_value(const std::string& s) {
  const std::size_t eq = s.find('=');
  return eq != std::string::npos && all_word_bytes(s, 0, eq);
}

bool is_artifact(const std::string& s) {
  return is_ipv4(s) || is_url(s) || is_path(s) || is_flag(s) || is_env_var(s) || is_key_value(s);
}

// scikit-learn's r"(?u)\b\w\w+\b" on a piece: its runs of two or more word characters.
void append_words(const std::string& piece, std::vector<std::string>& out) {
  std::size_t i = 0;
  while (i < piece.size()) {
    if (!is_word_byte(piece[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    std::size_t chars = 0;
    while (i < piece.size() && is_word_byte(piece[i])) {
      if (!is_continuation_byte(piece[i])) ++chars;
      ++i;
    }
    if (chars >= 2) out.push_back(piece.substr(begin, i - begin));
  }
}

void check_settings(const TermSettings& settings, const std::string& where) {
  if (settings.ngram_max < 1)
    throw InputError(where + "ngram_max: expected at least 1, got " + std::to_string(settings.ngram_max));
  if (settings.min_df < 1)
    throw InputError(where + "min_df: expected at least 1, got " + std::to_string(settings.min_df));
  if (settings.max_features < 0)
    throw InputError(where + "max_features: expected 0 (all terms) or more, got " +
                     std::to_string(settings.max_features));
}

}  // namespace

std::vector<std::string> artifact_tokens(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_separator(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && !is_separator(text[i])) ++i;
    std::size_t end = i;
    while (end > begin && (text[end - 1] == '.' || text[end - 1] == ':')) --end;
    if (end == begin) continue;
    std::string piece = text.substr(begin, end - begin);
    if (is_artifact(piece)) {
      out.push_back(std::move(piece));
    } else {
      append_words(piece, out);
    }
  }
  return out;
}

std::vector<std::string> ngrams(const std::vector<std::string>& tokens, std::int64_t ngram_max) {
  std::vector<std::string> out(tokens.begin(), tokens.end());
  const auto count = static_cast<std::int64_t>(tokens.size());
  for (std::int64_t n = 2; n <= std::min(ngram_max, count); ++n) {
    for (std::int64_t start = 0; start + n <= count; ++start) {
      std::string gram = tokens[static_cast<std::size_t>(start)];
      for (std::int64_t k = 1; k < n; ++k) {
        gram.push_back(' ');
        gram += tokens[static_cast<std::size_t>(start + k)];
      }
      out.push_back(std::move(gram));
    }
  }
  return out;
}

TermTokenizer::TermTokenizer(std::vector<std::string> vocab, std::vector<float> idf,
                             std::int64_t document_count, TermSettings settings, TokenizerOptions options,
                             TokenizerConfig config)
    : Tokenizer(TokenizerKind::kTerms, options, std::move(config)),
      vocab_(std::move(vocab)),
      idf_(std::move(idf)),
      document_count_(document_count),
      settings_(settings) {
  check_settings(settings_, "term tokenizer: ");
  if (vocab_.empty() || vocab_[0] != kPadToken)
    throw InputError("term tokenizer: the vocabulary must start with \"" + std::string(kPadToken) +
                     "\" (id 0)");
  if (idf_.size() != vocab_.size())
    throw InputError("term tokenizer: " + std::to_string(idf_.size()) + " idf values for " +
                     std::to_string(vocab_.size()) + " terms");
  if (document_count_ < 0)
    throw InputError("term tokenizer: document_count " + std::to_string(document_count_) + " is negative");
  idf_[0] = 0.0f;
  ids_.reserve(vocab_.size());
  for (std::size_t i = 0; i < vocab_.size(); ++i)
    if (!ids_.emplace(vocab_[i], static_cast<std::int64_t>(i)).second)
      throw InputError("term tokenizer: the term \"" + vocab_[i] + "\" appears twice in the vocabulary");
  lower_case_plain_ = settings_.lower;
  finish_setup({{"pad_token", kPadToken}});
}

std::vector<std::string> TermTokenizer::terms(const std::string& text) const {
  return ngrams(artifact_tokens(settings_.lower ? unicode::to_lower(text) : text), settings_.ngram_max);
}

std::unique_ptr<TermTokenizer> TermTokenizer::fit(const std::vector<std::string>& texts,
                                                  TermSettings settings, TokenizerOptions options) {
  check_settings(settings, "term tokenizer: ");
  if (texts.empty()) throw InputError("term tokenizer: no texts to fit the TF-IDF vocabulary on");
  struct Stat {
    std::int64_t df = 0;
    std::int64_t count = 0;
    std::size_t last_text = static_cast<std::size_t>(-1);
  };
  std::unordered_map<std::string, Stat> stats;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    const std::string text = options.lowercase ? unicode::to_lower(texts[t]) : texts[t];
    // The base matches a literal "<pad>" as the pad token before the plain text is tokenized, so n-grams
    // never span one: count the terms of the pieces between them, as encode sees them.
    std::size_t begin = 0;
    while (begin <= text.size()) {
      std::size_t end = text.find(kPadToken, begin);
      if (end == std::string::npos) end = text.size();
      const std::string piece = text.substr(begin, end - begin);
      for (std::string& term :
           ngrams(artifact_tokens(settings.lower ? unicode::to_lower(piece) : piece), settings.ngram_max)) {
        Stat& stat = stats[std::move(term)];
        ++stat.count;
        if (stat.last_text != t) {
          ++stat.df;
          stat.last_text = t;
        }
      }
      begin = end + std::char_traits<char>::length(kPadToken);
    }
  }
  std::vector<std::pair<std::string, const Stat*>> kept;
  for (const auto& [term, stat] : stats)
    if (stat.df >= settings.min_df) kept.emplace_back(term, &stat);
  if (settings.max_features > 0 && static_cast<std::int64_t>(kept.size()) > settings.max_features) {
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
      if (a.second->count != b.second->count) return a.second->count > b.second->count;
      return a.first < b.first;
    });
    kept.resize(static_cast<std::size_t>(settings.max_features));
  }
  if (kept.empty())
    throw InputError("term tokenizer: no term is left to fit on (" + std::to_string(texts.size()) +
                     " texts, min_df " + std::to_string(settings.min_df) +
                     "): the texts have no tokens of two or more characters, or min_df is too high");
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const double n = static_cast<double>(texts.size());
  std::vector<std::string> vocab = {kPadToken};
  std::vector<float> idf = {0.0f};
  vocab.reserve(kept.size() + 1);
  idf.reserve(kept.size() + 1);
  for (const auto& [term, stat] : kept) {
    vocab.push_back(term);
    idf.push_back(static_cast<float>(std::log((1.0 + n) / (1.0 + static_cast<double>(stat->df))) + 1.0));
  }
  return std::make_unique<TermTokenizer>(std::move(vocab), std::move(idf),
                                         static_cast<std::int64_t>(texts.size()), settings, options,
                                         TokenizerConfig{});
}

std::unique_ptr<TermTokenizer> TermTokenizer::from_file(const std::filesystem::path& tfidf_vectorizer_json,
                                                        TokenizerOptions options, TokenizerConfig config) {
  const std::string file = tfidf_vectorizer_json.string();
  const nlohmann::json json = read_json_file(tfidf_vectorizer_json);
  if (!json.is_object()) throw InputError(file + ": expected a JSON object (a tfidf_vectorizer.json)");
  auto key = [&](const char* name, bool (nlohmann::json::*is_type)() const noexcept,
                 const char* expected) -> const nlohmann::json& {
    return required_key(json, file, name, is_type, expected);
  };
  if (key("tokenizer", &nlohmann::json::is_string, "\"attune-tfidf-terms\"").get<std::string>() != kFormat)
    throw InputError(file + ": key tokenizer: expected \"attune-tfidf-terms\", got \"" +
                     json["tokenizer"].get<std::string>() + "\"");
  TermSettings settings;
  settings.ngram_max = key("ngram_max", &nlohmann::json::is_number_integer, "an integer").get<std::int64_t>();
  settings.min_df = key("min_df", &nlohmann::json::is_number_integer, "an integer").get<std::int64_t>();
  settings.max_features =
      key("max_features", &nlohmann::json::is_number_integer, "an integer").get<std::int64_t>();
  settings.lower = key("lower", &nlohmann::json::is_boolean, "true or false").get<bool>();
  check_settings(settings, file + ": key ");
  if (!key("smooth_idf", &nlohmann::json::is_boolean, "true").get<bool>())
    throw InputError(file + ": key smooth_idf: expected true (the only idf attune computes)");
  if (key("norm", &nlohmann::json::is_string, "\"l2\"").get<std::string>() != "l2")
    throw InputError(file + ": key norm: expected \"l2\", got \"" + json["norm"].get<std::string>() + "\"");
  const std::int64_t document_count =
      key("document_count", &nlohmann::json::is_number_integer, "an integer").get<std::int64_t>();
  if (document_count < 1)
    throw InputError(file + ": key document_count: expected at least 1, got " +
                     std::to_string(document_count));
  const nlohmann::json& vocabulary = key("vocabulary", &nlohmann::json::is_object, "an object {term: id}");
  const std::size_t n = vocabulary.size();
  const std::string ids_expected = "expected ids 0.." + std::to_string(n - 1) + " each once";
  std::vector<std::string> vocab(n);
  std::vector<bool> seen(n, false);
  for (const auto& [term, id] : vocabulary.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() >= static_cast<std::int64_t>(n) || seen[id.get<std::size_t>()])
      throw InputError(file + ": key vocabulary: " + ids_expected + " (\"" + term + "\": " + id.dump() + ")");
    seen[id.get<std::size_t>()] = true;
    vocab[id.get<std::size_t>()] = term;
  }
  if (n < 1 || vocab[0] != kPadToken)
    throw InputError(file + ": key vocabulary: expected \"" + std::string(kPadToken) + "\": 0");
  const nlohmann::json& idf_json = key("idf", &nlohmann::json::is_array, "an array of numbers, one per id");
  if (idf_json.size() != n)
    throw InputError(file + ": key idf: expected " + std::to_string(n) +
                     " values (the vocabulary size), got " + std::to_string(idf_json.size()));
  std::vector<float> idf;
  idf.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const nlohmann::json& value = idf_json[i];
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0 ||
        (i == 0 && value.get<double>() != 0))
      throw InputError(file + ": key idf[" + std::to_string(i) + "]: expected " +
                       (i == 0 ? std::string("0 (the idf of <pad>)") : std::string("a finite number >= 0")) +
                       ", got " + value.dump());
    idf.push_back(value.get<float>());
  }
  return std::make_unique<TermTokenizer>(std::move(vocab), std::move(idf), document_count, settings, options,
                                         std::move(config));
}

void TermTokenizer::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json vocabulary = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < vocab_.size(); ++i) vocabulary[vocab_[i]] = static_cast<std::int64_t>(i);
  nlohmann::ordered_json json = {{"tokenizer", kFormat},
                                 {"ngram_max", settings_.ngram_max},
                                 {"min_df", settings_.min_df},
                                 {"max_features", settings_.max_features},
                                 {"lower", settings_.lower},
                                 {"smooth_idf", true},
                                 {"norm", "l2"},
                                 {"document_count", document_count_},
                                 {"vocabulary", std::move(vocabulary)},
                                 {"idf", idf_}};
  const std::filesystem::path file = dir / kFileName;
  std::string text;
  try {
    text = json.dump(1) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() +
                     ": cannot write the vocabulary (a term is not valid UTF-8): " + e.what());
  }
  write_file_atomic(file, text);
}

void TermTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const {
  // The base has applied the lower-casing (lower_case_plain_).
  const std::size_t before = ids.size();
  for (const std::string& term : ngrams(artifact_tokens(text), settings_.ngram_max)) {
    auto it = ids_.find(term);
    if (it != ids_.end() && it->second != 0) ids.push_back(it->second);
  }
  if (ids.size() == before) ids.push_back(0);  // rows are never empty; idf[0] = 0 makes it weightless
}

std::string TermTokenizer::decode_plain(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (std::int64_t id : ids) {
    auto term = model_id_to_token(id);
    if (!term) continue;
    if (!out.empty()) out += " | ";
    out += *term;
  }
  return out;
}

std::optional<std::string> TermTokenizer::model_id_to_token(std::int64_t id) const {
  if (id < 0 || id >= model_vocab_size()) return std::nullopt;
  return vocab_[static_cast<std::size_t>(id)];
}

std::optional<std::int64_t> TermTokenizer::model_token_to_id(const std::string& token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace attune::data
