// The word tokenizer of the LSTM baseline, with the semantics of Keras's
// tf.keras.preprocessing.text.Tokenizer(num_words, oov_token, lower=True):
//   words: text_to_word_sequence (lower-case, every filter character becomes a space, split on ' ');
//   fit:   ids by descending word count, ties by first appearance in the texts (Keras's stable sort over
//          its insertion-ordered counts); id 0 = "<pad>" (Keras reserves 0 for padding), 1 = the OOV token,
//          words from 2; only ids < num_words are kept;
//   encode: each word's id, the OOV id for unknown words (Keras's texts_to_sequences with an oov_token).
// Differences from Keras: "<pad>" is a real vocabulary entry at id 0; a text with no words encodes to a
// single OOV id instead of an empty row. The literal texts "<pad>" and the OOV token are special tokens to
// the base Tokenizer (matched, case-sensitively, before the words are split): encode gives them 0 and 1 and
// fit does not count them. A word that only becomes equal to one of them (lower-cased "<PAD>" with filters
// that keep '<' and '>') is counted like any other word but takes no id of its own and encodes to the OOV
// id, never to the padding id 0.
// Saved as word_index.json (save / from_file); load_tokenizer picks a dir holding one.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/tokenizers/tokenizer.h"

namespace attune::data {

struct WordTokenizerSettings {
  std::int64_t num_words = 10000;  // ids below this are kept (pad and OOV included); at least 3
  std::string oov_token = "<OOV>";
  bool lower = true;
  // Keras's default filters: these characters become spaces.
  std::string filters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";
};

class WordTokenizer final : public Tokenizer {
 public:
  static constexpr const char* kPadToken = "<pad>";
  static constexpr const char* kFileName = "word_index.json";
  static constexpr const char* kFormat = "attune-word";  // word_index.json's "tokenizer"

  // vocab: the words in id order; vocab[0] must be "<pad>" and vocab[1] the OOV token, all distinct and at
  // most num_words of them (InputError otherwise).
  WordTokenizer(std::vector<std::string> vocab, WordTokenizerSettings settings, TokenizerOptions options,
                TokenizerConfig config);

  // Counts the words of texts (after options.lowercase, as encode applies it) and keeps the
  // min(num_words, 2 + distinct words) most frequent as described at the top. InputError when
  // num_words < 3 or the OOV token is empty or "<pad>".
  static std::unique_ptr<WordTokenizer> fit(const std::vector<std::string>& texts,
                                            WordTokenizerSettings settings, TokenizerOptions options = {});
  // Reads a word_index.json that save wrote; InputError naming the file and the key when it is malformed.
  static std::unique_ptr<WordTokenizer> from_file(const std::filesystem::path& word_index_json,
                                                  TokenizerOptions options = {}, TokenizerConfig config = {});
  // Writes <dir>/word_index.json atomically (dir created when missing): {"tokenizer": "attune-word",
  // "num_words", "oov_token", "lower", "filters", "word_index": {word: id} in id order}.
  void save(const std::filesystem::path& dir) const;

  // Keras's text_to_word_sequence: lower-cased when settings().lower, filter characters to spaces, split
  // on spaces (no empty words). Only ' ' separates words: other whitespace not in the filters stays.
  std::vector<std::string> words(const std::string& text) const;

  const WordTokenizerSettings& settings() const { return settings_; }
  // Keras's word_index: word -> id, "<pad>" and the OOV token included.
  const std::unordered_map<std::string, std::int64_t>& word_index() const { return ids_; }
  // The words in id order.
  const std::vector<std::string>& vocabulary() const { return vocab_; }
  std::int64_t oov_id() const { return 1; }

 protected:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const override;
  std::string decode_plain(const std::vector<std::int64_t>& ids) const override;
  std::optional<std::string> model_id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> model_token_to_id(const std::string& token) const override;
  std::int64_t model_vocab_size() const override { return static_cast<std::int64_t>(vocab_.size()); }

 private:
  // words() without the lower-casing (the base has lower-cased already when encoding).
  std::vector<std::string> split_words(const std::string& text) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int64_t> ids_;
  WordTokenizerSettings settings_;
  std::array<bool, 128> ascii_filter_{};  // the filters below U+0080, by byte
  std::vector<char32_t> other_filters_;   // the rest, by code point
};

}  // namespace attune::data
