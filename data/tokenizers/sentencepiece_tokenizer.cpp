#include "data/tokenizers/sentencepiece_tokenizer.h"

#include <stdexcept>

#include "base/errors.h"

namespace attune::data {

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file,
                                               TokenizerOptions options, TokenizerConfig config)
    : Tokenizer(TokenizerKind::kSentencePiece, options, std::move(config)), api_(spm_api()) {
  processor_ = api_.load(model_file.c_str());
  if (processor_ == nullptr)
    throw InputError(model_file.string() + ": not a SentencePiece model (" + api_.last_error() + ")");
  vocab_size_ = api_.vocab_size(processor_);
  lower_case_plain_ = this->config().do_lower_case.value_or(false);
  try {
    finish_setup({{"bos_token", "[CLS]"},
                  {"eos_token", "[SEP]"},
                  {"cls_token", "[CLS]"},
                  {"sep_token", "[SEP]"},
                  {"unk_token", "[UNK]"},
                  {"pad_token", "[PAD]"},
                  {"mask_token", "[MASK]"}});
    if (cls_id() < 0 || sep_id() < 0)
      throw InputError(model_file.string() +
                       ": the model has no [CLS] / [SEP] piece and no config names one");
  } catch (...) {
    api_.free(processor_);
    throw;
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  api_.free(processor_);
}

void SentencePieceTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const {
  if (text.empty()) return;
  std::vector<std::int32_t> buffer(text.size() + 16);
  std::int64_t count = api_.encode(processor_, text.data(), text.size(), buffer.data(), buffer.size());
  if (count > static_cast<std::int64_t>(buffer.size())) {  // normalization grew the text: ask again
    buffer.resize(static_cast<std::size_t>(count));
    count = api_.encode(processor_, text.data(), text.size(), buffer.data(), buffer.size());
  }
  if (count < 0)
    throw std::runtime_error(std::string("SentencePiece failed to encode: ") + api_.last_error());
  ids.insert(ids.end(), buffer.begin(), buffer.begin() + count);
}

std::string SentencePieceTokenizer::decode_plain(const std::vector<std::int64_t>& ids) const {
  std::vector<std::int32_t> narrow;
  for (std::int64_t id : ids)
    if (id >= 0 && id < vocab_size_) narrow.push_back(static_cast<std::int32_t>(id));
  std::string out(narrow.size() * 8 + 16, '\0');
  std::int64_t size = api_.decode(processor_, narrow.data(), narrow.size(), out.data(), out.size());
  if (size > static_cast<std::int64_t>(out.size())) {
    out.resize(static_cast<std::size_t>(size));
    size = api_.decode(processor_, narrow.data(), narrow.size(), out.data(), out.size());
  }
  if (size < 0) throw std::runtime_error(std::string("SentencePiece failed to decode: ") + api_.last_error());
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::optional<std::string> SentencePieceTokenizer::model_id_to_token(std::int64_t id) const {
  if (id < 0 || id >= vocab_size_) return std::nullopt;
  std::string out(64, '\0');
  std::int64_t size = api_.id_to_piece(processor_, static_cast<std::int32_t>(id), out.data(), out.size());
  if (size > static_cast<std::int64_t>(out.size())) {
    out.resize(static_cast<std::size_t>(size));
    size = api_.id_to_piece(processor_, static_cast<std::int32_t>(id), out.data(), out.size());
  }
  if (size < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::optional<std::int64_t> SentencePieceTokenizer::model_token_to_id(const std::string& token) const {
  const std::int32_t id = api_.piece_to_id(processor_, token.data(), token.size());
  if (id < 0) return std::nullopt;
  return id;
}

}  // namespace attune::data
