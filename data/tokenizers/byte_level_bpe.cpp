#include "data/tokenizers/byte_level_bpe.h"

#include <climits>
#include <fstream>
#include <functional>

#include "base/errors.h"
#include "data/tokenizers/gpt2_pretokenizer.h"
#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

constexpr std::size_t kMaxCachedWordBytes = 128;           // longer words are encoded every time
constexpr std::size_t kMaxCacheEntriesPerShard = 1 << 16;  // a full shard is cleared

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

// The byte each code point of byte_to_unicode() stands for.
const std::unordered_map<char32_t, unsigned char>& unicode_to_byte() {
  static const auto table = [] {
    std::unordered_map<char32_t, unsigned char> out;
    for (int b = 0; b < 256; ++b) {
      char32_t cp = 0;
      unicode::decode_utf8(byte_to_unicode()[b], 0, &cp);
      out[cp] = static_cast<unsigned char>(b);
    }
    return out;
  }();
  return table;
}

std::unordered_map<std::string, std::int64_t> read_vocab(const nlohmann::json& json,
                                                         const std::string& where) {
  if (!json.is_object()) throw InputError(where + ": expected an object {token: id}");
  std::unordered_map<std::string, std::int64_t> vocab;
  vocab.reserve(json.size());
  // Ids index a dense table (id_to_token_), as the model's embedding rows: each lies below the number of
  // entries, as in every Hugging Face vocabulary (WordPiece's reader asks the same).
  for (const auto& [token, id] : json.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::uint64_t>() >= static_cast<std::uint64_t>(json.size()))
      throw InputError(where + ": key \"" + token + "\": expected an integer id below " +
                       std::to_string(json.size()) + " (the number of entries)");
    vocab.emplace(token, id.get<std::int64_t>());
  }
  return vocab;
}

// "left right" -> pair; throws with where on any other form.
std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& where) {
  const std::size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
      line.find(' ', space + 1) != std::string::npos)
    throw InputError(where + ": expected a merge \"left right\" (two tokens and one space), got \"" + line +
                     "\"");
  return {line.substr(0, space), line.substr(space + 1)};
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
  static const auto table = [] {
    std::array<std::string, 256> out;
    int next = 0;  // bytes without a printable stand-in get 256, 257, ... in byte order
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      unicode::append_utf8(out[b],
                           printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++));
    }
    return out;
  }();
  return table;
}

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(const std::unordered_map<std::string, std::int64_t>& vocab,
                                             const std::vector<std::pair<std::string, std::string>>& merges,
                                             TokenizerOptions options, TokenizerConfig config,
                                             bool add_prefix_space)
    : Tokenizer(TokenizerKind::kByteLevelBpe, options, std::move(config)),
      vocab_(vocab),
      add_prefix_space_(add_prefix_space) {
  std::int64_t max_id = -1;
  for (const auto& [token, id] : vocab_) max_id = std::max(max_id, id);
  id_to_token_.assign(static_cast<std::size_t>(max_id + 1), std::string());
  for (const auto& [token, id] : vocab_) id_to_token_[static_cast<std::size_t>(id)] = token;
  for (int b = 0; b < 256; ++b) byte_symbols_[b] = symbol(byte_to_unicode()[b]);
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const std::int32_t l = symbol(left);
    const std::int32_t r = symbol(right);
    const std::int32_t result = symbol(left + right);
    merges_.emplace(pair_key(l, r), Merge{static_cast<std::int32_t>(rank), result});  // first rank wins
  }
  finish_setup({{"bos_token", "<s>"},
                {"eos_token", "</s>"},
                {"cls_token", "<s>"},
                {"sep_token", "</s>"},
                {"unk_token", "<unk>"},
                {"pad_token", "<pad>"},
                {"mask_token", "<mask>"}},
               {"<mask>"});
  if (cls_id() < 0 || sep_id() < 0)
    throw InputError("byte-level BPE vocabulary has no " + std::string(cls_id() < 0 ? "<s>" : "</s>") +
                     " token (or the one tokenizer_config.json names)");
}

std::int32_t ByteLevelBpeTokenizer::symbol(const std::string& text) {
  auto [it, inserted] = symbols_.emplace(text, static_cast<std::int32_t>(symbol_to_id_.size()));
  if (inserted) {
    auto id = vocab_.find(text);
    symbol_to_id_.push_back(id == vocab_.end() ? -1 : id->second);
  }
  return it->second;
}

std::unique_ptr<ByteLevelBpeTokenizer> ByteLevelBpeTokenizer::from_files(
    const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt,
    TokenizerOptions options, TokenizerConfig config) {
  const auto vocab = read_vocab(read_json_file(vocab_json), vocab_json.string());
  std::ifstream in(merges_txt, std::ios::binary);
  if (!in) throw InputError(merges_txt.string() + ": cannot open file");
  std::vector<std::pair<std::string, std::string>> merges;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    merges.push_back(split_merge(line, at_line(merges_txt.string(), number, "")));
  }
  return std::make_unique<ByteLevelBpeTokenizer>(vocab, merges, options, std::move(config));
}

std::unique_ptr<ByteLevelBpeTokenizer> ByteLevelBpeTokenizer::from_tokenizer_json(
    const nlohmann::json& json, const std::filesystem::path& path, TokenizerOptions options,
    TokenizerConfig config) {
  const std::string file = path.string();
  const auto& model = json["model"];
  if (!model.contains("vocab") || !model.contains("merges") || !model["merges"].is_array())
    throw InputError(file + ": key model: expected \"vocab\" and a \"merges\" list");
  // Only byte-level pre-tokenization is implemented (GPT-2, RoBERTa); refuse anything else.
  bool byte_level = false;
  bool add_prefix_space = false;
  std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& pre) {
    if (!pre.is_object()) return;
    const std::string at = file + ": key pre_tokenizer.";
    const auto* type = optional_key(pre, at, "type", &nlohmann::json::is_string, "a string");
    if (type != nullptr && type->get<std::string>() == "ByteLevel") {
      byte_level = true;
      const auto* prefix =
          optional_key(pre, at, "add_prefix_space", &nlohmann::json::is_boolean, "true or false");
      add_prefix_space = prefix != nullptr && prefix->get<bool>();
    }
    if (const auto* subs = optional_key(pre, at, "pretokenizers", &nlohmann::json::is_array, "a list"))
      for (const auto& sub : *subs) visit(sub);
  };
  if (json.contains("pre_tokenizer")) visit(json["pre_tokenizer"]);
  if (!byte_level)
    throw InputError(file +
                     ": key pre_tokenizer: expected a ByteLevel pre-tokenizer (only byte-level BPE is "
                     "supported)");
  const auto vocab = read_vocab(model["vocab"], file + ": key model.vocab");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(model["merges"].size());
  for (std::size_t i = 0; i < model["merges"].size(); ++i) {
    const auto& merge = model["merges"][i];
    const std::string where = file + ": key model.merges[" + std::to_string(i) + "]";
    if (merge.is_string()) {
      merges.push_back(split_merge(merge.get<std::string>(), where));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      throw InputError(where + ": expected \"left right\" or [\"left\", \"right\"]");
    }
  }
  if (json.contains("added_tokens"))
    merge_added_tokens(json["added_tokens"], file + ": key added_tokens", config);
  return std::make_unique<ByteLevelBpeTokenizer>(vocab, merges, options, std::move(config), add_prefix_space);
}

void ByteLevelBpeTokenizer::encode_word(const std::string& word, std::vector<std::int64_t>& ids) const {
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  CacheShard& shard = cache_[std::hash<std::string>()(word) % kCacheShards];
  if (cacheable) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (auto it = shard.words.find(word); it != shard.words.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::int32_t> symbols;
  symbols.reserve(word.size());
  for (char c : word) symbols.push_back(byte_symbols_[static_cast<unsigned char>(c)]);
  std::vector<std::int32_t> merged;
  while (symbols.size() > 1) {
    // The best-ranked adjacent pair ...
    const Merge* best = nullptr;
    std::int32_t best_left = 0;
    std::int32_t best_right = 0;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = merges_.find(pair_key(symbols[i], symbols[i + 1]));
      if (it != merges_.end() && (best == nullptr || it->second.rank < best->rank)) {
        best = &it->second;
        best_left = symbols[i];
        best_right = symbols[i + 1];
      }
    }
    if (best == nullptr) break;
    // ... merged wherever it occurs, left to right.
    merged.clear();
    for (std::size_t i = 0; i < symbols.size();) {
      if (i + 1 < symbols.size() && symbols[i] == best_left && symbols[i + 1] == best_right) {
        merged.push_back(best->result);
        i += 2;
      } else {
        merged.push_back(symbols[i++]);
      }
    }
    symbols.swap(merged);
  }
  std::vector<std::int64_t> word_ids;
  word_ids.reserve(symbols.size());
  for (std::int32_t s : symbols) {
    const std::int64_t id = symbol_to_id_[static_cast<std::size_t>(s)];
    if (id >= 0) {
      word_ids.push_back(id);
    } else if (unk_id() >= 0) {
      word_ids.push_back(unk_id());
    }
  }
  ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.words.size() >= kMaxCacheEntriesPerShard) shard.words.clear();
    shard.words.emplace(word, std::move(word_ids));
  }
}

void ByteLevelBpeTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const {
  if (text.empty()) return;
  if (add_prefix_space_) {
    char32_t first = 0;
    unicode::decode_utf8(text, 0, &first);
    if (!unicode::is_white_space(first)) {
      encode_plain(" " + text, ids);
      return;
    }
  }
  ByteSpans spans;
  gpt2_pretokenize(text, spans);
  std::string word;
  for (const auto& [begin, end] : spans) {
    word.assign(text, begin, end - begin);
    encode_word(word, ids);
  }
}

std::string ByteLevelBpeTokenizer::decode_plain(const std::vector<std::int64_t>& ids) const {
  std::string text;
  for (std::int64_t id : ids)
    if (auto token = model_id_to_token(id)) text += *token;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t len = unicode::decode_utf8(text, i, &cp);
    auto it = unicode_to_byte().find(cp);
    if (it != unicode_to_byte().end()) {
      out.push_back(static_cast<char>(it->second));
    } else {
      out.append(text, i, len);
    }
    i += len;
  }
  return out;
}

std::optional<std::string> ByteLevelBpeTokenizer::model_id_to_token(std::int64_t id) const {
  if (id < 0 || id >= model_vocab_size() || id_to_token_[static_cast<std::size_t>(id)].empty())
    return std::nullopt;
  return id_to_token_[static_cast<std::size_t>(id)];
}

std::optional<std::int64_t> ByteLevelBpeTokenizer::model_token_to_id(const std::string& token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

}  // namespace attune::data
