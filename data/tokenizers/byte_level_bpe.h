// Byte-level BPE, as GPT-2 and RoBERTa use it (HF RobertaTokenizer, tokenization_roberta.py): GPT-2
// pre-tokenization, each byte mapped to a printable code point, then merges applied by rank (all occurrences
// of the best-ranked pair at once). Words already encoded are cached: command lines repeat tokens a lot.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tokenizers/tokenizer.h"

namespace attune::data {

// GPT-2's reversible byte -> code point mapping, as UTF-8 strings ("Ġ" for the space byte).
const std::array<std::string, 256>& byte_to_unicode();

class ByteLevelBpeTokenizer final : public Tokenizer {
 public:
  // vocab: token string -> id; merges: pairs in rank order (first = highest priority).
  ByteLevelBpeTokenizer(const std::unordered_map<std::string, std::int64_t>& vocab,
                        const std::vector<std::pair<std::string, std::string>>& merges,
                        TokenizerOptions options, TokenizerConfig config, bool add_prefix_space = false);

  // vocab.json + merges.txt (RoBERTa's files).
  static std::unique_ptr<ByteLevelBpeTokenizer> from_files(const std::filesystem::path& vocab_json,
                                                           const std::filesystem::path& merges_txt,
                                                           TokenizerOptions options, TokenizerConfig config);
  // A tokenizer.json whose model is BPE with a ByteLevel pre-tokenizer (its added_tokens are honoured).
  static std::unique_ptr<ByteLevelBpeTokenizer> from_tokenizer_json(const nlohmann::json& json,
                                                                    const std::filesystem::path& path,
                                                                    TokenizerOptions options,
                                                                    TokenizerConfig config);

 protected:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const override;
  std::string decode_plain(const std::vector<std::int64_t>& ids) const override;
  std::optional<std::string> model_id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> model_token_to_id(const std::string& token) const override;
  std::int64_t model_vocab_size() const override { return static_cast<std::int64_t>(id_to_token_.size()); }

 private:
  struct Merge {
    std::int32_t rank;
    std::int32_t result;  // symbol of the merged pair
  };
  static constexpr std::size_t kCacheShards = 16;  // independent locks for encode_batch's threads
  struct CacheShard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::int64_t>> words;
  };

  std::int32_t symbol(const std::string& text);  // interns a symbol string
  void encode_word(const std::string& word, std::vector<std::int64_t>& ids) const;

  std::unordered_map<std::string, std::int64_t> vocab_;
  std::vector<std::string> id_to_token_;  // "" where the vocabulary has a gap
  std::unordered_map<std::string, std::int32_t> symbols_;
  std::vector<std::int64_t> symbol_to_id_;  // vocab id of each symbol, -1 if absent (-> unk)
  std::array<std::int32_t, 256> byte_symbols_{};
  std::unordered_map<std::uint64_t, Merge> merges_;  // (left << 32 | right) -> merge
  bool add_prefix_space_ = false;
  mutable std::array<CacheShard, kCacheShards> cache_;
};

}  // namespace attune::data
