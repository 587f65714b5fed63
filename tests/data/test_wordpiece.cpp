// WordPiece on a small vocab.txt written here, with cases from BERT's documented behaviour (the basic
// tokenizer's lower-casing, accent stripping, punctuation and CJK splitting, then longest-match "##" pieces).
#include "data/tokenizers/wordpiece.h"

#include <fstream>

#include "base/errors.h"

#include "test_paths.h"

namespace attune::data {
namespace {

const std::vector<std::string> kVocab = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]",  "[MASK]", "want",  "##want", "##ed", "wa",  "un",  "runn",
    "##ing", ",",     "low",   "lowest", "hello",  "world", "!",      "?",    "/",   "net", "user",
    "add",   "cafe",  "naive", "博",     "推",     "ah",    "##s",    "a",    "##b", "##c", "abc"};

std::filesystem::path write_vocab(const std::string& tag, const std::string& config_json = "") {
  const auto dir = testing::temp_dir(tag);
  std::ofstream vocab(dir / "vocab.txt");
  for (const auto& token : kVocab) vocab << token << "\n";
  if (!config_json.empty()) std::ofstream(dir / "tokenizer_config.json") << config_json;
  return dir;
}

std::int64_t id(const std::string& token) {
  return std::find(kVocab.begin(), kVocab.end(), token) - kVocab.begin();
}

std::vector<std::int64_t> ids(const std::vector<std::string>& tokens) {
  std::vector<std::int64_t> out;
  for (const auto& t : tokens) out.push_back(id(t));
  return out;
}

TEST(WordPiece, LoadsFromVocabTxtWithBertSpecials) {
  const auto tokenizer = load_tokenizer(write_vocab("wp-load"));
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kWordPiece);
  EXPECT_EQ(tokenizer->pad_id(), 0);
  EXPECT_EQ(tokenizer->unk_id(), 1);
  EXPECT_EQ(tokenizer->cls_id(), 2);
  EXPECT_EQ(tokenizer->sep_id(), 3);
  EXPECT_EQ(tokenizer->mask_id(), 4);
  EXPECT_EQ(tokenizer->vocab_size(), static_cast<std::int64_t>(kVocab.size()));
}

// BERT's own example: "UNwant\u00E9d,running" -> un ##want ##ed , runn ##ing.
TEST(WordPiece, LowerCasesStripsAccentsAndPiecesWords) {
  const auto tokenizer = load_tokenizer(write_vocab("wp-full"));
  EXPECT_EQ(tokenizer->encode("UNwant\u00E9d,running"),
            ids({"[CLS]", "un", "##want", "##ed", ",", "runn", "##ing", "[SEP]"}));
  EXPECT_EQ(tokenizer->encode("Caf\u00E9 NA\u00CFVE", false), ids({"cafe", "naive"}));
  EXPECT_EQ(tokenizer->encode("cafe\u0301", false), ids({"cafe"}));  // a combining accent is dropped too
}

TEST(WordPiece, BasicTokenizerSplitsWhitespacePunctuationAndCjk) {
  const auto dir = write_vocab("wp-basic");
  const auto lower = WordPieceTokenizer::from_vocab_txt(dir / "vocab.txt", {}, read_tokenizer_config(dir));
  EXPECT_EQ(lower->basic_tokenize(" \tHeLLo!how  \n Are yoU?  "),
            (std::vector<std::string>{"hello", "!", "how", "are", "you", "?"}));
  EXPECT_EQ(lower->basic_tokenize("ah\u535A\u63A8zz"),
            (std::vector<std::string>{"ah", "\u535A", "\u63A8", "zz"}));
  EXPECT_EQ(lower->basic_tokenize("H\u00E4LLo"), (std::vector<std::string>{"hallo"}));
  // NUL, U+FFFD and format / control characters vanish; other whitespace separates.
  EXPECT_EQ(lower->basic_tokenize(std::string("a\0b", 3) + "\u200Bc\u00A0d\u3000e"),
            (std::vector<std::string>{"abc", "d", "e"}));
  EXPECT_EQ(lower->basic_tokenize("net user /add"), (std::vector<std::string>{"net", "user", "/", "add"}));
  EXPECT_EQ(lower->encode("net user /add", false), ids({"net", "user", "/", "add"}));
  EXPECT_EQ(lower->encode("ah\u535A\u63A8", false), ids({"ah", "博", "推"}));
}

TEST(WordPiece, CasedVocabularyKeepsCaseAndAccents) {
  const auto dir = write_vocab("wp-cased", R"({"do_lower_case": false})");
  const auto cased = WordPieceTokenizer::from_vocab_txt(dir / "vocab.txt", {}, read_tokenizer_config(dir));
  EXPECT_EQ(cased->basic_tokenize(" \tHeLLo!how  \n Are yoU?  "),
            (std::vector<std::string>{"HeLLo", "!", "how", "Are", "yoU", "?"}));
  EXPECT_EQ(cased->basic_tokenize("H\u00E4LLo"), (std::vector<std::string>{"H\u00E4LLo"}));
  EXPECT_EQ(cased->encode("Hello hello", false), ids({"[UNK]", "hello"}));
  // options.lowercase still lower-cases the input first (and keeps the accents: that is BERT's job).
  const auto lowered = load_tokenizer(dir, TokenizerOptions{/*lowercase=*/true});
  EXPECT_EQ(lowered->encode("Hello WORLD", false), ids({"hello", "world"}));
}

TEST(WordPiece, UnknownAndOverlongWordsBecomeUnk) {
  const auto tokenizer = load_tokenizer(write_vocab("wp-unk"));
  EXPECT_EQ(tokenizer->encode("abc abcs abx", false), ids({"abc", "abc", "##s", "[UNK]"}));
  EXPECT_EQ(tokenizer->encode("ab", false), ids({"a", "##b"}));
  EXPECT_EQ(tokenizer->encode("xyz", false), ids({"[UNK]"}));
  EXPECT_EQ(tokenizer->encode("abcabc", false), ids({"[UNK]"}));  // no "##abc": the whole word is unknown
  // max_input_chars_per_word = 100: "a" + 99 "b" is pieced, one more character makes it [UNK].
  std::vector<std::string> pieces = {"a"};
  pieces.insert(pieces.end(), 99, "##b");
  EXPECT_EQ(tokenizer->encode("a" + std::string(99, 'b'), false), ids(pieces));
  EXPECT_EQ(tokenizer->encode("a" + std::string(100, 'b') + " hello", false), ids({"[UNK]", "hello"}));
}

TEST(WordPiece, SpecialLiteralsPairsAndDecode) {
  const auto tokenizer = load_tokenizer(write_vocab("wp-pair"));
  EXPECT_EQ(tokenizer->encode("hello [MASK] world"), ids({"[CLS]", "hello", "[MASK]", "world", "[SEP]"}));
  const auto pair = tokenizer->encode_pair("hello world", "net user");
  EXPECT_EQ(pair.ids, ids({"[CLS]", "hello", "world", "[SEP]", "net", "user", "[SEP]"}));
  EXPECT_EQ(pair.type_ids, (std::vector<std::int64_t>{0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("UNwanted, running")), "unwanted , running");
}

TEST(WordPiece, LoadsFromTokenizerJson) {
  const auto dir = testing::temp_dir("wp-json");
  std::ofstream(dir / "tokenizer.json") << R"({
    "added_tokens": [{"id": 0, "content": "[PAD]"}, {"id": 1, "content": "[UNK]"}, {"id": 2, "content": "[CLS]"},
                     {"id": 3, "content": "[SEP]"}, {"id": 4, "content": "[MASK]"}],
    "normalizer": {"type": "BertNormalizer", "lowercase": false, "strip_accents": null},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "Net": 5, "##work": 6}}})";
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kWordPiece);
  EXPECT_EQ(tokenizer->encode("Network net"), (std::vector<std::int64_t>{2, 5, 6, 1, 3}));  // cased
}

TEST(WordPiece, VocabularyWithoutUnkIsAnInputError) {
  const auto dir = testing::temp_dir("wp-nounk");
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[CLS]\n[SEP]\nhello\n";
  EXPECT_THROW(load_tokenizer(dir), InputError);
}

}  // namespace
}  // namespace attune::data
