// Malformed tokenizer files that tests/fuzz/fuzz_tokenizer_* found escaping as something other than an
// InputError (a library exception, a multi-gigabyte allocation, a stack overflow): each is now an
// InputError naming the file and the key.
#include <fstream>
#include <string>

#include "base/errors.h"
#include "data/tokenizers/tokenizer.h"
#include "test_paths.h"

namespace attune::data {
namespace {

namespace fs = std::filesystem;

// Runs load_tokenizer(dir), expecting an InputError whose message holds `part`.
void expect_refused(const fs::path& dir, const std::string& part) {
  try {
    load_tokenizer(dir);
    ADD_FAILURE() << "expected an InputError holding '" << part << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

constexpr const char* kBpeVocab = R"({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "b": 5, "ab": 6})";

fs::path bpe_dir(const std::string& tag, const std::string& vocab) {
  const auto dir = testing::temp_dir(tag);
  std::ofstream(dir / "vocab.json") << vocab;
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b\n";
  return dir;
}

// A vocabulary id far beyond the number of entries sized the id -> token table by it (64,775,807 took
// 2.6 GB; a larger one threw std::length_error).
TEST(TokenizerMalformedFiles, BpeIdBeyondTheEntriesIsRefusedBeforeAllocating) {
  expect_refused(bpe_dir("fz-bpe-id", R"({"<s>": 0, "</s>": 2, "a": 4611686018427387904})"),
                 "vocab.json: key \"a\": expected an integer id below 3");
  expect_refused(bpe_dir("fz-bpe-id7", R"({"<s>": 0, "</s>": 1, "a": 3})"), "below 3");
  EXPECT_NO_THROW(load_tokenizer(bpe_dir("fz-bpe-ok", kBpeVocab)));
}

TEST(TokenizerMalformedFiles, TokenizerJsonKeysOfTheWrongType) {
  const auto dir = testing::temp_dir("fz-json-types");
  const std::string vocab = R"("vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "net": 4})";
  std::ofstream(dir / "tokenizer.json")
      << R"({"model": {"type": "WordPiece", "continuing_subword_prefix": true, )" << vocab << "}}";
  expect_refused(dir, "tokenizer.json: key model.continuing_subword_prefix: expected a string, got boolean");
  std::ofstream(dir / "tokenizer.json")
      << R"({"model": {"type": "WordPiece", "max_input_chars_per_word": -1, )" << vocab << "}}";
  expect_refused(dir, "key model.max_input_chars_per_word: expected a count >= 0");
  std::ofstream(dir / "tokenizer.json") << R"({"normalizer": {"lowercase": "yes"},
      "model": {"type": "WordPiece", )" << vocab
                                        << "}}";
  expect_refused(dir, "key normalizer.lowercase: expected true or false, got string");
  std::ofstream(dir / "tokenizer.json")
      << R"({"normalizer": null, "model": {"type": "WordPiece", )" << vocab << "}}";
  EXPECT_NO_THROW(load_tokenizer(dir));  // null stands for "none", as Hugging Face writes it
  std::ofstream(dir / "tokenizer.json") << R"({"pre_tokenizer": {"type": 7},
      "model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1}, "merges": []}})";
  expect_refused(dir, "key pre_tokenizer.type: expected a string, got number");
  std::ofstream(dir / "tokenizer.json") << R"({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": 1},
      "model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1}, "merges": []}})";
  expect_refused(dir, "key pre_tokenizer.add_prefix_space: expected true or false");
}

TEST(TokenizerMalformedFiles, TokenizerConfigKeysOfTheWrongType) {
  const auto dir = bpe_dir("fz-config-types", kBpeVocab);
  std::ofstream(dir / "tokenizer_config.json") << R"({"mask_token": {"content": "<mask>", "lstrip": "yes"}})";
  expect_refused(dir, "tokenizer_config.json: key mask_token.lstrip: expected true or false, got string");
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": ["RobertaTokenizer"]})";
  expect_refused(dir, "tokenizer_config.json: key tokenizer_class: expected a string, got array");
  // std::stoll read "5x" as 5 and "-1" as an id.
  for (const char* key : {"5x", "-1", ""}) {
    std::ofstream(dir / "tokenizer_config.json")
        << R"({"added_tokens_decoder": {")" << key << R"(": {"content": "<x>"}}})";
    expect_refused(dir, "key added_tokens_decoder." + std::string(key) + ": expected an integer id");
  }
}

// A pre_tokenizer nested 100,000 deep overflowed the stack of the recursive walk; the files are refused
// above kMaxJsonDepth levels before they are parsed.
TEST(TokenizerMalformedFiles, DeepNestingIsRefusedBeforeParsing) {
  const auto dir = testing::temp_dir("fz-deep");
  std::string nested = R"({"type": "ByteLevel"})";
  std::string open, close;
  for (int i = 0; i < 100000; ++i) {
    open += R"({"pretokenizers": [)";
    close += "]}";
  }
  std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "BPE", "vocab": {"<s>": 0, "</s>": 1},
      "merges": []}, "pre_tokenizer": )" << open
                                        << nested << close << "}";
  expect_refused(dir, "tokenizer.json: the JSON nests deeper than 64 levels");
}

}  // namespace
}  // namespace attune::data
