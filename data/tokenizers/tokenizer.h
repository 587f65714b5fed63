// The tokenizer interface every model family shares, and the factory that picks the right one for a
// Hugging Face tokenizer dir:
//   spm.model                         -> SentencePiece (DeBERTa-v3: [CLS]=1 ... [SEP]=2, [PAD]=0, [UNK]=3)
//   vocab.json + merges.txt, or a BPE tokenizer.json -> byte-level BPE (RoBERTa: <s>=0 ... </s>=2, <pad>=1)
//   vocab.txt, or a WordPiece tokenizer.json       -> WordPiece (BERT: [CLS] ... [SEP])
// Encoding follows Hugging Face's slow (Python) tokenizers: added-token literals in the text ("<mask>",
// "[SEP]") become their ids, truncation cuts the text and keeps the special tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/tokenizers/added_tokens.h"
#include "data/tokenizers/tokenizer_config.h"

namespace attune::data {

struct TokenizerOptions {
  bool lowercase = false;  // Python's str.lower() on every text before tokenizing (travels with the model)
};

// kWord and kTerms are fitted by train for the classic model kinds (word_tokenizer.h, term_tokenizer.h);
// they have no [CLS]/[SEP], so encode() adds no special tokens for them.
enum class TokenizerKind { kByteLevelBpe, kSentencePiece, kWordPiece, kWord, kTerms };
const char* to_string(TokenizerKind kind);

// Special token ids; -1 where the vocabulary has no such token.
struct SpecialIds {
  std::int64_t pad = -1;
  std::int64_t unk = -1;
  std::int64_t cls = -1;  // also bos
  std::int64_t sep = -1;  // also eos
  std::int64_t mask = -1;
};

struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> type_ids;  // 0 for the first text, 1 for the second (all 0 for RoBERTa)
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // [CLS] text [SEP] ids. max_length >= 0 truncates the text so the whole sequence fits, specials kept;
  // throws InputError if max_length cannot even hold the special tokens.
  std::vector<std::int64_t> encode(const std::string& text, bool add_special_tokens = true,
                                   std::int64_t max_length = -1) const;
  // [CLS] a [SEP] b [SEP] (RoBERTa: <s> a </s></s> b </s>), truncated "longest_first" as Hugging Face does.
  Encoding encode_pair(const std::string& text, const std::string& text_pair, bool add_special_tokens = true,
                       std::int64_t max_length = -1) const;
  // encode() of each text, spread over num_threads threads (0: all hardware threads).
  std::vector<std::vector<std::int64_t>> encode_batch(const std::vector<std::string>& texts,
                                                      bool add_special_tokens = true,
                                                      std::int64_t max_length = -1,
                                                      int num_threads = 0) const;
  // Text of ids (specials skipped if asked); byte-level and SentencePiece round-trip exactly.
  std::string decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens = true) const;

  // The vocabulary string of id (added tokens included); throws InputError when out of range.
  std::string id_to_token(std::int64_t id) const;
  std::optional<std::int64_t> token_to_id(const std::string& token) const;
  // One past the largest id, added tokens included (Hugging Face's len(tokenizer)).
  std::int64_t vocab_size() const;

  std::int64_t pad_id() const { return special_.pad; }
  std::int64_t unk_id() const { return special_.unk; }
  std::int64_t cls_id() const { return special_.cls; }
  std::int64_t bos_id() const { return special_.cls; }
  std::int64_t sep_id() const { return special_.sep; }
  std::int64_t eos_id() const { return special_.sep; }
  std::int64_t mask_id() const { return special_.mask; }
  const SpecialIds& special_ids() const { return special_; }
  // Specials encode() adds around one text (pair=false) or two.
  std::int64_t num_special_tokens(bool pair) const;

  TokenizerKind kind() const { return kind_; }
  const TokenizerOptions& options() const { return options_; }
  const TokenizerConfig& config() const { return config_; }
  // tokenizer_config.json's model_max_length, or -1 where it is absent or "unlimited".
  std::int64_t model_max_length() const { return config_.model_max_length.value_or(-1); }

 protected:
  Tokenizer(TokenizerKind kind, TokenizerOptions options, TokenizerConfig config);
  // Resolves special ids and the added-token splitter; subclasses call it once their vocabulary is loaded.
  // defaults: role ("cls_token", ...) -> content used when the config names none.
  void finish_setup(const std::vector<std::pair<std::string, std::string>>& defaults,
                    const std::vector<std::string>& lstrip_by_default = {});

  // Appends the ids of one plain piece of text (no added-token literals in it, options already applied).
  virtual void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const = 0;
  virtual std::string decode_plain(const std::vector<std::int64_t>& ids) const = 0;
  virtual std::optional<std::string> model_id_to_token(std::int64_t id) const = 0;
  virtual std::optional<std::int64_t> model_token_to_id(const std::string& token) const = 0;
  virtual std::int64_t model_vocab_size() const = 0;
  // Lower-cases plain segments (not added tokens) as the config's do_lower_case asks.
  bool lower_case_plain_ = false;

 private:
  std::vector<std::int64_t> content_ids(const std::string& text) const;
  bool is_special(std::int64_t id) const;

  TokenizerKind kind_;
  TokenizerOptions options_;
  TokenizerConfig config_;
  SpecialIds special_;
  AddedTokenSplitter splitter_;
  std::vector<AddedToken> added_;  // resolved added tokens (ids known)
};

// Loads the tokenizer of a Hugging Face dir (see the top of this file); throws InputError naming the dir
// and the files it expected when none of them is there, or naming the file that is malformed.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir, TokenizerOptions options = {});

}  // namespace attune::data
