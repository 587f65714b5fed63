// WordPiece, as BERT uses it (HF BertTokenizer, tokenization_bert.py): the basic tokenizer (clean control
// characters, whitespace to spaces, spaces around CJK ideographs, lower-casing and accent stripping when
// do_lower_case, one token per punctuation character) then greedy longest-match-first pieces with "##"
// continuations; a word over 100 characters, or one that cannot be pieced, becomes [UNK].
// Not done: the NFC normalization recent transformers applies before splitting (it only matters for
// decomposed input to a cased vocabulary; lower-casing vocabularies strip accents via NFD anyway).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tokenizers/tokenizer.h"

namespace attune::data {

struct WordPieceSettings {
  bool lowercase = true;      // do_lower_case
  bool strip_accents = true;  // strip_accents (BERT: follows do_lower_case unless set)
  bool split_cjk = true;      // tokenize_chinese_chars
  std::string continuing_prefix = "##";
  std::size_t max_chars_per_word = 100;  // longer words become [UNK]
};

class WordPieceTokenizer final : public Tokenizer {
 public:
  // vocab: the tokens in id order (vocab.txt's lines).
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceSettings settings, TokenizerOptions options,
                     TokenizerConfig config);

  // vocab.txt (one token per line) with tokenizer_config.json's do_lower_case (default true).
  static std::unique_ptr<WordPieceTokenizer> from_vocab_txt(const std::filesystem::path& vocab_txt,
                                                            TokenizerOptions options, TokenizerConfig config);
  // A tokenizer.json whose model is WordPiece (its BertNormalizer settings and added_tokens are honoured).
  static std::unique_ptr<WordPieceTokenizer> from_tokenizer_json(const nlohmann::json& json,
                                                                 const std::filesystem::path& path,
                                                                 TokenizerOptions options,
                                                                 TokenizerConfig config);

  const WordPieceSettings& settings() const { return settings_; }
  // The basic tokenizer's words of text (before WordPiece), for tests and debugging.
  std::vector<std::string> basic_tokenize(const std::string& text) const;

 protected:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const override;
  std::string decode_plain(const std::vector<std::int64_t>& ids) const override;
  std::optional<std::string> model_id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> model_token_to_id(const std::string& token) const override;
  std::int64_t model_vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }

 private:
  void encode_word(const std::string& word, std::vector<std::int64_t>& ids) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t> ids_;
  WordPieceSettings settings_;
};

}  // namespace attune::data
