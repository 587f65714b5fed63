#include "data/tokenizers/tokenizer.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "base/errors.h"
#include "data/tokenizers/byte_level_bpe.h"
#include "data/tokenizers/sentencepiece_tokenizer.h"
#include "data/tokenizers/term_tokenizer.h"
#include "data/tokenizers/unicode.h"
#include "data/tokenizers/word_tokenizer.h"
#include "data/tokenizers/wordpiece.h"

namespace attune::data {
namespace {

constexpr std::size_t kMinTextsPerThread = 64;  // below this a batch is encoded on the calling thread

// tokenizer.json's model.type; older files (roberta-base's) leave it out: BPE has merges, Unigram a vocab
// list.
std::string model_type(const nlohmann::json& json) {
  if (!json.contains("model") || !json["model"].is_object()) return "";
  const auto& model = json["model"];
  if (model.contains("type") && model["type"].is_string()) return model["type"].get<std::string>();
  if (model.contains("merges")) return "BPE";
  if (model.contains("vocab") && model["vocab"].is_array()) return "Unigram";
  if (model.contains("vocab") && model["vocab"].is_object()) return "WordPiece";
  return "";
}

}  // namespace

const char* to_string(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::kByteLevelBpe:
      return "byte-level BPE";
    case TokenizerKind::kSentencePiece:
      return "SentencePiece";
    case TokenizerKind::kWordPiece:
      return "WordPiece";
    case TokenizerKind::kWord:
      return "word";
    case TokenizerKind::kTerms:
      return "TF-IDF terms";
  }
  return "?";
}

Tokenizer::Tokenizer(TokenizerKind kind, TokenizerOptions options, TokenizerConfig config)
    : kind_(kind), options_(options), config_(std::move(config)) {}

void Tokenizer::finish_setup(const std::vector<std::pair<std::string, std::string>>& defaults,
                             const std::vector<std::string>& lstrip_by_default) {
  // Added tokens: ids from the config files, else from the model's vocabulary.
  for (AddedToken token : config_.added_tokens) {
    if (token.id < 0) token.id = model_token_to_id(token.content).value_or(-1);
    if (token.id >= 0) added_.push_back(token);
  }
  auto role_id = [&](const std::string& role) -> std::int64_t {
    std::string content;
    if (auto it = config_.special_tokens.find(role); it != config_.special_tokens.end()) {
      content = it->second;
    } else {
      for (const auto& [r, c] : defaults)
        if (r == role) content = c;
    }
    if (content.empty()) return -1;
    auto added =
        std::find_if(added_.begin(), added_.end(), [&](const AddedToken& t) { return t.content == content; });
    if (added != added_.end()) return added->id;
    const std::int64_t id = model_token_to_id(content).value_or(-1);
    if (id >= 0) {
      AddedToken token;
      token.content = content;
      token.id = id;
      token.lstrip = std::count(lstrip_by_default.begin(), lstrip_by_default.end(), content) > 0;
      added_.push_back(token);
    }
    return id;
  };
  for (const char* role : {"bos_token", "eos_token", "unk_token", "pad_token", "mask_token"}) role_id(role);
  special_.cls = role_id("cls_token");
  if (special_.cls < 0) special_.cls = role_id("bos_token");
  special_.sep = role_id("sep_token");
  if (special_.sep < 0) special_.sep = role_id("eos_token");
  special_.pad = role_id("pad_token");
  special_.unk = role_id("unk_token");
  special_.mask = role_id("mask_token");
  splitter_ = AddedTokenSplitter(added_);
}

std::int64_t Tokenizer::num_special_tokens(bool pair) const {
  if (special_.cls < 0 && special_.sep < 0) return 0;  // word and term tokenizers: no specials
  if (!pair) return 2;
  return kind_ == TokenizerKind::kByteLevelBpe ? 4 : 3;
}

bool Tokenizer::is_special(std::int64_t id) const {
  return std::any_of(added_.begin(), added_.end(), [&](const AddedToken& t) { return t.id == id; });
}

std::vector<std::int64_t> Tokenizer::content_ids(const std::string& text) const {
  const std::string lowered = options_.lowercase ? unicode::to_lower(text) : std::string();
  const std::string& input = options_.lowercase ? lowered : text;
  std::vector<std::int64_t> ids;
  auto encode_text = [&](const std::string& piece) {
    if (lower_case_plain_) {
      encode_plain(unicode::to_lower(piece), ids);
    } else {
      encode_plain(piece, ids);
    }
  };
  if (splitter_.empty() || input.empty()) {  // "" reaches encode_plain (word/term tokenizers: never empty)
    encode_text(input);
    return ids;
  }
  for (const TextSegment& segment : splitter_.split(input)) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
    } else {
      encode_text(segment.text);
    }
  }
  return ids;
}

std::vector<std::int64_t> Tokenizer::encode(const std::string& text, bool add_special_tokens,
                                            std::int64_t max_length) const {
  std::vector<std::int64_t> ids = content_ids(text);
  if (max_length >= 0) {
    const std::int64_t budget = max_length - (add_special_tokens ? num_special_tokens(false) : 0);
    if (budget < 0)
      throw InputError("max_length " + std::to_string(max_length) + " cannot hold the " +
                       std::to_string(num_special_tokens(false)) + " special tokens");
    if (static_cast<std::int64_t>(ids.size()) > budget) ids.resize(static_cast<std::size_t>(budget));
  }
  if (!add_special_tokens || num_special_tokens(false) == 0) return ids;
  std::vector<std::int64_t> out;
  out.reserve(ids.size() + 2);
  out.push_back(special_.cls);
  out.insert(out.end(), ids.begin(), ids.end());
  out.push_back(special_.sep);
  return out;
}

Encoding Tokenizer::encode_pair(const std::string& text, const std::string& text_pair,
                                bool add_special_tokens, std::int64_t max_length) const {
  std::vector<std::int64_t> a = content_ids(text);
  std::vector<std::int64_t> b = content_ids(text_pair);
  if (max_length >= 0) {
    const std::int64_t budget = max_length - (add_special_tokens ? num_special_tokens(true) : 0);
    if (budget < 0)
      throw InputError("max_length " + std::to_string(max_length) + " cannot hold the " +
                       std::to_string(num_special_tokens(true)) + " special tokens of a pair");
    // "longest_first": drop one id at a time from the longer text, from the second on a tie.
    while (static_cast<std::int64_t>(a.size() + b.size()) > budget) {
      if (a.size() > b.size()) {
        a.pop_back();
      } else {
        b.pop_back();
      }
    }
  }
  if (num_special_tokens(true) == 0) add_special_tokens = false;
  Encoding out;
  if (add_special_tokens) out.ids.push_back(special_.cls);
  out.ids.insert(out.ids.end(), a.begin(), a.end());
  if (add_special_tokens) {
    out.ids.push_back(special_.sep);
    if (kind_ == TokenizerKind::kByteLevelBpe) out.ids.push_back(special_.sep);
  }
  const std::size_t first_length = out.ids.size();
  out.ids.insert(out.ids.end(), b.begin(), b.end());
  if (add_special_tokens) out.ids.push_back(special_.sep);
  const std::int64_t second_type = kind_ == TokenizerKind::kByteLevelBpe ? 0 : 1;
  out.type_ids.assign(out.ids.size(), second_type);
  std::fill(out.type_ids.begin(), out.type_ids.begin() + static_cast<std::ptrdiff_t>(first_length), 0);
  return out;
}

std::vector<std::vector<std::int64_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                               bool add_special_tokens,
                                                               std::int64_t max_length,
                                                               int num_threads) const {
  std::vector<std::vector<std::int64_t>> out(texts.size());
  std::size_t threads = num_threads > 0 ? static_cast<std::size_t>(num_threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<std::size_t>(1, texts.size() / kMinTextsPerThread));
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out[i] = encode(texts[i], add_special_tokens, max_length);
  };
  if (threads <= 1) {
    run(0, texts.size());
    return out;
  }
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  const std::size_t chunk = (texts.size() + threads - 1) / threads;
  for (std::size_t t = 0; t < threads; ++t) {
    const std::size_t begin = std::min(texts.size(), t * chunk);
    const std::size_t end = std::min(texts.size(), begin + chunk);
    workers.emplace_back([&, t, begin, end] {
      try {
        run(begin, end);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
  return out;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens) const {
  std::string out;
  std::vector<std::int64_t> plain;
  auto flush = [&] {
    if (!plain.empty()) out += decode_plain(plain);
    plain.clear();
  };
  for (std::int64_t id : ids) {
    if (is_special(id)) {
      flush();
      if (!skip_special_tokens) out += id_to_token(id);
    } else {
      plain.push_back(id);
    }
  }
  flush();
  return out;
}

std::string Tokenizer::id_to_token(std::int64_t id) const {
  for (const auto& token : added_)
    if (token.id == id) return token.content;
  if (auto token = model_id_to_token(id)) return *token;
  throw InputError("token id " + std::to_string(id) + " is outside the " + to_string(kind_) +
                   " vocabulary of " + std::to_string(vocab_size()) + " ids");
}

std::optional<std::int64_t> Tokenizer::token_to_id(const std::string& token) const {
  for (const auto& added : added_)
    if (added.content == token) return added.id;
  return model_token_to_id(token);
}

std::int64_t Tokenizer::vocab_size() const {
  std::int64_t size = model_vocab_size();
  for (const auto& token : added_) size = std::max(size, token.id + 1);
  return size;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir, TokenizerOptions options) {
  namespace fs = std::filesystem;
  const std::string expected =
      "spm.model, vocab.json + merges.txt, vocab.txt, tokenizer.json, word_index.json (word) or "
      "tfidf_vectorizer.json (TF-IDF terms)";
  if (!fs::is_directory(dir))
    throw InputError(dir.string() + ": not a directory (expected a tokenizer dir with " + expected + ")");
  TokenizerConfig config = read_tokenizer_config(dir);
  if (fs::exists(dir / WordTokenizer::kFileName))
    return WordTokenizer::from_file(dir / WordTokenizer::kFileName, options, std::move(config));
  if (fs::exists(dir / TermTokenizer::kFileName))
    return TermTokenizer::from_file(dir / TermTokenizer::kFileName, options, std::move(config));
  if (fs::exists(dir / "spm.model"))
    return std::make_unique<SentencePieceTokenizer>(dir / "spm.model", options, std::move(config));
  if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt"))
    return ByteLevelBpeTokenizer::from_files(dir / "vocab.json", dir / "merges.txt", options,
                                             std::move(config));
  if (fs::exists(dir / "vocab.txt"))
    return WordPieceTokenizer::from_vocab_txt(dir / "vocab.txt", options, std::move(config));
  if (fs::exists(dir / "tokenizer.json")) {
    const fs::path path = dir / "tokenizer.json";
    const nlohmann::json json = read_json_file(path);
    const std::string type = model_type(json);
    if (type == "BPE")
      return ByteLevelBpeTokenizer::from_tokenizer_json(json, path, options, std::move(config));
    if (type == "WordPiece")
      return WordPieceTokenizer::from_tokenizer_json(json, path, options, std::move(config));
    throw InputError(path.string() + ": key model.type: expected \"BPE\" or \"WordPiece\", got \"" + type +
                     "\" (a Unigram model needs its spm.model)");
  }
  throw InputError(dir.string() + ": no tokenizer files (expected " + expected + ")");
}

}  // namespace attune::data
