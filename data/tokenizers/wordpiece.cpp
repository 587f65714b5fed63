#include "data/tokenizers/wordpiece.h"

#include <fstream>

#include "base/errors.h"
#include "data/tokenizers/unicode.h"

namespace attune::data {
namespace {

using unicode::CharClass;

bool is_bert_whitespace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
         unicode::char_class(cp) == CharClass::kSpaceSeparator;
}

bool is_bert_control(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  const CharClass c = unicode::char_class(cp);
  return c == CharClass::kControl || c == CharClass::kFormat || c == CharClass::kOtherC;
}

bool is_bert_punctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  return unicode::char_class(cp) == CharClass::kPunctuation;
}

// BERT's "Chinese character" blocks: CJK Unified Ideographs and their extensions / compatibility forms.
bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

std::u32string to_u32(const std::string& text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    i += unicode::decode_utf8(text, i, &cp);
    out.push_back(cp);
  }
  return out;
}

std::string to_utf8(const std::u32string& cps) {
  std::string out;
  for (char32_t cp : cps) unicode::append_utf8(out, cp);
  return out;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceSettings settings,
                                       TokenizerOptions options, TokenizerConfig config)
    : Tokenizer(TokenizerKind::kWordPiece, options, std::move(config)),
      vocab_(std::move(vocab)),
      settings_(std::move(settings)) {
  for (std::size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], static_cast<std::int64_t>(i));
  finish_setup({{"cls_token", "[CLS]"},
                {"sep_token", "[SEP]"},
                {"unk_token", "[UNK]"},
                {"pad_token", "[PAD]"},
                {"mask_token", "[MASK]"}});
  if (cls_id() < 0 || sep_id() < 0 || unk_id() < 0)
    throw InputError("WordPiece vocabulary has no " +
                     std::string(cls_id() < 0   ? "[CLS]"
                                 : sep_id() < 0 ? "[SEP]"
                                                : "[UNK]") +
                     " token (or the one tokenizer_config.json names)");
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::from_vocab_txt(const std::filesystem::path& vocab_txt,
                                                                       TokenizerOptions options,
                                                                       TokenizerConfig config) {
  std::ifstream in(vocab_txt, std::ios::binary);
  if (!in) throw InputError(vocab_txt.string() + ": cannot open file");
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  if (vocab.empty())
    throw InputError(vocab_txt.string() + ": empty vocabulary (expected one token per line)");
  WordPieceSettings settings;
  settings.lowercase = config.do_lower_case.value_or(true);
  settings.strip_accents = config.strip_accents.value_or(settings.lowercase);
  settings.split_cjk = config.tokenize_chinese_chars.value_or(true);
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), settings, options, std::move(config));
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::from_tokenizer_json(const nlohmann::json& json,
                                                                            const std::filesystem::path& path,
                                                                            TokenizerOptions options,
                                                                            TokenizerConfig config) {
  const std::string file = path.string();
  const auto& model = json["model"];
  if (!model.contains("vocab") || !model["vocab"].is_object())
    throw InputError(file + ": key model.vocab: expected an object {token: id}");
  std::vector<std::string> vocab(model["vocab"].size());
  for (const auto& [token, id] : model["vocab"].items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::size_t>() >= model["vocab"].size())
      throw InputError(file + ": key model.vocab.\"" + token +
                       "\": expected an id below the vocabulary size");
    vocab[id.get<std::size_t>()] = token;
  }
  WordPieceSettings settings;
  const std::string at_model = file + ": key model.";
  if (const auto* prefix =
          optional_key(model, at_model, "continuing_subword_prefix", &nlohmann::json::is_string, "a string"))
    settings.continuing_prefix = prefix->get<std::string>();
  if (const auto* max_chars = optional_key(model, at_model, "max_input_chars_per_word",
                                           &nlohmann::json::is_number_unsigned, "a count >= 0"))
    settings.max_chars_per_word = max_chars->get<std::size_t>();
  const std::string at_normalizer = file + ": key normalizer.";
  const nlohmann::json* normalizer =
      optional_key(json, file + ": key ", "normalizer", &nlohmann::json::is_object, "an object");
  auto normalizer_flag = [&](const char* name) -> std::optional<bool> {
    if (normalizer == nullptr) return std::nullopt;
    const auto* flag =
        optional_key(*normalizer, at_normalizer, name, &nlohmann::json::is_boolean, "true or false");
    return flag ? std::optional<bool>(flag->get<bool>()) : std::nullopt;
  };
  settings.lowercase = config.do_lower_case.value_or(normalizer_flag("lowercase").value_or(true));
  settings.strip_accents =
      config.strip_accents.value_or(normalizer_flag("strip_accents").value_or(settings.lowercase));
  settings.split_cjk =
      config.tokenize_chinese_chars.value_or(normalizer_flag("handle_chinese_chars").value_or(true));
  if (json.contains("added_tokens"))
    merge_added_tokens(json["added_tokens"], file + ": key added_tokens", config);
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), settings, options, std::move(config));
}

std::vector<std::string> WordPieceTokenizer::basic_tokenize(const std::string& text) const {
  // Clean (drop NUL, U+FFFD and control characters, whitespace -> ' ') and space out CJK ideographs.
  std::u32string cleaned;
  for (char32_t cp : to_u32(text)) {
    if (cp == 0 || cp == 0xFFFD || is_bert_control(cp)) continue;
    if (is_bert_whitespace(cp)) {
      cleaned.push_back(' ');
    } else if (settings_.split_cjk && is_cjk(cp)) {
      cleaned += U' ';
      cleaned.push_back(cp);
      cleaned += U' ';
    } else {
      cleaned.push_back(cp);
    }
  }
  std::vector<std::string> words;
  std::u32string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(to_utf8(word));
    word.clear();
  };
  std::size_t i = 0;
  while (i < cleaned.size()) {
    // One whitespace-separated token (Python's str.split()).
    std::size_t end = i;
    while (end < cleaned.size() && !is_python_space(cleaned[end])) ++end;
    if (end > i) {
      std::u32string token = cleaned.substr(i, end - i);
      if (settings_.lowercase) token = to_u32(unicode::to_lower(to_utf8(token)));
      if (settings_.strip_accents) {
        std::u32string stripped;
        for (char32_t cp : token) unicode::append_stripped(stripped, cp);
        token.swap(stripped);
      }
      for (char32_t cp : token) {  // each punctuation character is a word of its own
        if (is_bert_punctuation(cp)) {
          flush();
          word.push_back(cp);
          flush();
        } else {
          word.push_back(cp);
        }
      }
      flush();
    }
    i = end + 1;
  }
  return words;
}

void WordPieceTokenizer::encode_word(const std::string& word, std::vector<std::int64_t>& ids) const {
  // Byte offset of each character boundary.
  std::vector<std::size_t> bounds;
  for (std::size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    char32_t cp = 0;
    i += unicode::decode_utf8(word, i, &cp);
  }
  bounds.push_back(word.size());
  const std::size_t chars = bounds.size() - 1;
  if (chars > settings_.max_chars_per_word) {
    ids.push_back(unk_id());
    return;
  }
  std::vector<std::int64_t> pieces;
  std::size_t start = 0;
  while (start < chars) {
    std::int64_t found = -1;
    std::size_t end = chars;
    for (; end > start; --end) {
      std::string piece = word.substr(bounds[start], bounds[end] - bounds[start]);
      if (start > 0) piece = settings_.continuing_prefix + piece;
      if (auto it = ids_.find(piece); it != ids_.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      ids.push_back(unk_id());
      return;
    }
    pieces.push_back(found);
    start = end;
  }
  ids.insert(ids.end(), pieces.begin(), pieces.end());
}

void WordPieceTokenizer::encode_plain(const std::string& text, std::vector<std::int64_t>& ids) const {
  for (const std::string& word : basic_tokenize(text)) encode_word(word, ids);
}

std::string WordPieceTokenizer::decode_plain(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (std::int64_t id : ids) {
    auto token = model_id_to_token(id);
    if (!token) continue;
    const std::string& prefix = settings_.continuing_prefix;
    if (!prefix.empty() && token->rfind(prefix, 0) == 0) {
      out += token->substr(prefix.size());
    } else {
      if (!out.empty()) out.push_back(' ');
      out += *token;
    }
  }
  return out;
}

std::optional<std::string> WordPieceTokenizer::model_id_to_token(std::int64_t id) const {
  if (id < 0 || id >= model_vocab_size()) return std::nullopt;
  return vocab_[static_cast<std::size_t>(id)];
}

std::optional<std::int64_t> WordPieceTokenizer::model_token_to_id(const std::string& token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace attune::data
