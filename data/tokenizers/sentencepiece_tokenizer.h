// SentencePiece tokenizer (DeBERTa-v2/v3: HF DebertaV2Tokenizer, tokenization_deberta_v2.py, with
// split_by_punct=false): the ids are the model's own (sentencepiece's Encode, byte fallback included), with
// [CLS] text [SEP] around them and added tokens ([MASK] = 128000 from added_tokens.json) split out first.
// SentencePiece itself runs inside libattune_spm (spm_library.h).
#pragma once

#include <filesystem>

#include "data/tokenizers/spm_library.h"
#include "data/tokenizers/tokenizer.h"

namespace attune::data {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws InputError naming model_file when SentencePiece cannot load it.
  SentencePieceTokenizer(const std::filesystem::path& model_file, TokenizerOptions options,
                         TokenizerConfig config);
  ~SentencePieceTokenizer() override;

 protected:
  void encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const override;
  std::string decode_plain(const std::vector<std::int64_t>& ids) const override;
  std::optional<std::string> model_id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> model_token_to_id(const std::string& token) const override;
  std::int64_t model_vocab_size() const override { return vocab_size_; }

 private:
  const SpmApi& api_;
  attune_spm_processor* processor_ = nullptr;
  std::int64_t vocab_size_ = 0;
};

}  // namespace attune::data
