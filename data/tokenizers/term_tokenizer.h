// The term tokenizer of the TF-IDF + logistic regression baseline, with the semantics of scikit-learn's
// TfidfVectorizer(ngram_range=(1, ngram_max), min_df, max_features, lowercase, smooth_idf=True, norm="l2")
// except for its token pattern (artifact_tokens below keeps cyber artifacts whole):
//   terms: lower-case, artifact_tokens, then the n-grams for n = 1..ngram_max in scikit-learn's order;
//   fit:   document frequencies, min_df, max_features (highest total counts), then the vocabulary sorted
//          alphabetically (byte order) from id 1; id 0 is "<pad>" with idf 0; idf = ln((1 + n) / (1 + df)) +
//          1;
//   encode: the ids of a text's known terms in terms() order (repeats kept: the model counts them), the
//          single id 0 when none is known, so that rows are never empty.
// The model (models/tfidf_logreg.h) turns ids into tf * idf and l2-normalizes; this class only holds idf.
// Saved as tfidf_vectorizer.json (save / from_file); load_tokenizer picks a dir holding one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/tokenizers/tokenizer.h"

namespace attune::data {

// The token pattern. Splits text on ASCII whitespace and on the shell separators | ; & ( ) " ' ` < > ,
// (which never appear inside a token). Each piece, with its trailing '.' and ':' characters stripped, is
// kept whole when it is a cyber artifact:
//   an IPv4 address (octets 0..255) with an optional :port or /prefix: 10.0.0.5, 10.0.0.5:4444, 10.0.0.0/8;
//   a URL, ASCII letters then "://" then anything: http://x/y?z=1;
//   a path: it contains '/' or '\', or starts with '~' (so reg.exe's "/v" counts as a path);
//   a flag: '-' then a letter, digit or '-': -la, --color=auto, -p, --;
//   an environment variable: $NAME, ${...}, %NAME% (NAME one or more word characters);
//   a key=value pair whose key is one or more word characters: KEY=value, KEY=.
// Any other piece gives its runs of two or more word characters, as scikit-learn's default token pattern
// r"(?u)\b\w\w+\b" does (single characters dropped). Word characters here: ASCII letters, digits, '_' and
// every non-ASCII character (a run's length counts characters, not bytes).
// Examples: "ls -la /etc/passwd" -> ls, -la, /etc/passwd; "cat x; whoami" -> cat, whoami.
std::vector<std::string> artifact_tokens(const std::string& text);

struct TermSettings {
  std::int64_t ngram_max = 2;     // n-grams for n = 1..ngram_max (at least 1)
  std::int64_t min_df = 1;        // keep terms found in at least this many texts (at least 1)
  std::int64_t max_features = 0;  // > 0: keep only that many terms, those of highest total count; 0: all
  bool lower = true;
};

class TermTokenizer final : public Tokenizer {
 public:
  static constexpr const char* kPadToken = "<pad>";
  static constexpr const char* kFileName = "tfidf_vectorizer.json";
  static constexpr const char* kFormat = "attune-tfidf-terms";  // tfidf_vectorizer.json's "tokenizer"

  // vocab: the terms in id order, vocab[0] = "<pad>"; idf: one per id (idf[0] is forced to 0).
  // InputError when they disagree in size, a term repeats or the settings are out of range.
  TermTokenizer(std::vector<std::string> vocab, std::vector<float> idf, std::int64_t document_count,
                TermSettings settings, TokenizerOptions options, TokenizerConfig config);

  // Fits the vocabulary and idf on texts (after options.lowercase, as encode applies it) as described at
  // the top. InputError when there are no texts, the settings are out of range, or no term is kept.
  static std::unique_ptr<TermTokenizer> fit(const std::vector<std::string>& texts, TermSettings settings,
                                            TokenizerOptions options = {});
  // Reads a tfidf_vectorizer.json that save wrote; InputError naming the file and the key when it is
  // malformed.
  static std::unique_ptr<TermTokenizer> from_file(const std::filesystem::path& tfidf_vectorizer_json,
                                                  TokenizerOptions options = {}, TokenizerConfig config = {});
  // Writes <dir>/tfidf_vectorizer.json atomically (dir created when missing): {"tokenizer":
  // "attune-tfidf-terms", "ngram_max", "min_df", "max_features", "lower", "smooth_idf": true, "norm": "l2",
  // "document_count", "vocabulary": {term: id} in id order, "idf": [by id]}.
  void save(const std::filesystem::path& dir) const;

  // The n-grams of text: lower-cased when settings().lower, artifact_tokens, then all unigrams in order,
  // all bigrams in order, ... up to ngram_max; an n-gram is its tokens joined by one space.
  std::vector<std::string> terms(const std::string& text) const;

  const TermSettings& settings() const { return settings_; }
  // idf by id (size = vocab_size()); idf()[0] = 0.
  const std::vector<float>& idf() const { return idf_; }
  // The number of texts fit saw (scikit-learn's n in the idf formula).
  std::int64_t document_count() const { return document_count_; }
  // The terms in id order ("<pad>" first).
  const std::vector<std::string>& vocabulary() const { return vocab_; }

 protected:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const override;
  std::string decode_plain(const std::vector<std::int64_t>& ids) const override;
  std::optional<std::string> model_id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> model_token_to_id(const std::string& token) const override;
  std::int64_t model_vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<float> idf_;
  std::int64_t document_count_ = 0;
  TermSettings settings_;
};

// The n-grams of tokens for n = 1..ngram_max in scikit-learn's order (TermTokenizer::terms without the
// lower-casing and tokenizing).
std::vector<std::string> ngrams(const std::vector<std::string>& tokens, std::int64_t ngram_max);

}  // namespace attune::data
