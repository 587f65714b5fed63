// The Keras-style word tokenizer of the LSTM baseline: text_to_word_sequence's filters and lower-casing,
// fit's id order (descending count, ties by first appearance), the num_words cut, OOV, and word_index.json.
#include "data/tokenizers/word_tokenizer.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

using Ids = std::vector<std::int64_t>;
using Words = std::vector<std::string>;

std::unique_ptr<WordTokenizer> fit(const std::vector<std::string>& texts, std::int64_t num_words = 10000) {
  WordTokenizerSettings settings;
  settings.num_words = num_words;
  return WordTokenizer::fit(texts, settings);
}

// The message of the InputError that f throws ("" when it throws none).
template <typename F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(WordTokenizer, WordsApplyKerasFiltersAndLowerCasing) {
  const auto tokenizer = fit({"x"});
  EXPECT_EQ(tokenizer->words("Hello, World!  foo-bar_baz\tqux\nA.B (c)"),
            (Words{"hello", "world", "foo", "bar", "baz", "qux", "a", "b", "c"}));
  EXPECT_EQ(tokenizer->words("\u00C9COLE \u0130"), (Words{"\u00E9cole", "i\u0307"}));  // Python's str.lower()
  EXPECT_EQ(tokenizer->words("a\rb"), (Words{"a\rb"}));  // '\r' is no Keras filter and only ' ' splits
  EXPECT_TRUE(tokenizer->words(" ,;  !! ").empty());

  WordTokenizerSettings cased;
  cased.lower = false;
  cased.filters = ",\u00E9";
  const auto custom = WordTokenizer::fit({"x"}, cased);
  EXPECT_EQ(custom->words("Hello,World caf\u00E9s a-b"), (Words{"Hello", "World", "caf", "s", "a-b"}));
}

// Keras sorts its insertion-ordered counts by count, stably: "c" (3) before "a" (2) before "b" (1) although
// "b" came first; equal counts keep the order of first appearance, not the alphabet.
TEST(WordTokenizer, FitOrdersByCountThenFirstAppearance) {
  const auto tokenizer = fit({"b a", "c A c", "C"});
  EXPECT_EQ(tokenizer->vocabulary(), (Words{"<pad>", "<OOV>", "c", "a", "b"}));
  EXPECT_EQ(tokenizer->word_index().at("c"), 2);
  EXPECT_EQ(tokenizer->encode("a b c"), (Ids{3, 4, 2}));

  const auto ties = fit({"zulu yankee", "xray yankee zulu", "alpha"});
  EXPECT_EQ(ties->vocabulary(), (Words{"<pad>", "<OOV>", "zulu", "yankee", "xray", "alpha"}));
  EXPECT_EQ(ties->vocab_size(), 6);
  EXPECT_EQ(ties->pad_id(), 0);
  EXPECT_EQ(ties->unk_id(), 1);
  EXPECT_EQ(ties->oov_id(), 1);
}

TEST(WordTokenizer, NumWordsCutsTheVocabularyAndLaterWordsBecomeOov) {
  const auto tokenizer = fit({"b a", "c a c", "c"}, 4);
  EXPECT_EQ(tokenizer->vocabulary(), (Words{"<pad>", "<OOV>", "c", "a"}));
  EXPECT_EQ(tokenizer->encode("a b c"), (Ids{3, 1, 2}));
  EXPECT_FALSE(tokenizer->token_to_id("b").has_value());
  EXPECT_EQ(fit({"b a", "c a c", "c"}, 3)->vocab_size(), 3);
  EXPECT_EQ(fit({"b a"}, 100)->vocab_size(), 4);  // min(num_words, 2 + distinct words)
  EXPECT_NE(input_error([] { fit({"a"}, 2); }).find("num_words: expected at least 3"), std::string::npos);
}

TEST(WordTokenizer, UnknownWordsAndTextsWithoutWordsEncodeToOov) {
  const auto tokenizer = fit({"ls -la /tmp", "cat /etc/passwd"});
  const std::int64_t ls = *tokenizer->token_to_id("ls");
  EXPECT_EQ(tokenizer->encode("ls nosuchword ls"), (Ids{ls, 1, ls}));
  EXPECT_EQ(tokenizer->encode("LS"), (Ids{ls}));  // lower-cased like the texts fit saw
  EXPECT_EQ(tokenizer->encode("!!! ... --"), (Ids{1}));
  EXPECT_EQ(tokenizer->encode("   "), (Ids{1}));
  EXPECT_EQ(tokenizer->encode_batch({"!", "ls", "zzz"}), (std::vector<Ids>{{1}, {ls}, {1}}));
}

// The empty text too: rows are never empty (the LSTM cannot take a sequence of length 0).
TEST(WordTokenizer, EmptyTextEncodesToOov) {
  const auto tokenizer = fit({"ls -la /tmp"});
  EXPECT_EQ(tokenizer->encode(""), (Ids{1}));
  EXPECT_EQ(tokenizer->encode_batch({"", "ls"}), (std::vector<Ids>{{1}, {2}}));
}

TEST(WordTokenizer, LowerOffKeepsCaseAndRunLowercaseStillApplies) {
  WordTokenizerSettings cased;
  cased.lower = false;
  const auto tokenizer = WordTokenizer::fit({"Hello hello Hello"}, cased);
  EXPECT_EQ(tokenizer->vocabulary(), (Words{"<pad>", "<OOV>", "Hello", "hello"}));
  EXPECT_EQ(tokenizer->encode("hello Hello HELLO"), (Ids{3, 2, 1}));

  TokenizerOptions lowercase;
  lowercase.lowercase = true;  // the run's data.lowercase, applied by the base before the words
  const auto lowered = WordTokenizer::fit({"Hello hello Hello"}, cased, lowercase);
  EXPECT_EQ(lowered->vocabulary(), (Words{"<pad>", "<OOV>", "hello"}));
  EXPECT_EQ(lowered->encode("HELLO"), (Ids{2}));
}

TEST(WordTokenizer, EncodeAddsNoSpecialTokensAndTruncates) {
  const auto tokenizer = fit({"one two three four"});
  EXPECT_EQ(tokenizer->num_special_tokens(false), 0);
  EXPECT_EQ(tokenizer->num_special_tokens(true), 0);
  EXPECT_EQ(tokenizer->cls_id(), -1);
  EXPECT_EQ(tokenizer->sep_id(), -1);
  EXPECT_EQ(tokenizer->encode("one two three four", true), (Ids{2, 3, 4, 5}));
  EXPECT_EQ(tokenizer->encode("one two three four", false), (Ids{2, 3, 4, 5}));
  EXPECT_EQ(tokenizer->encode("one two three four", true, 2), (Ids{2, 3}));
  EXPECT_EQ(tokenizer->encode("one two", true, 10), (Ids{2, 3}));
  const Encoding pair = tokenizer->encode_pair("one two", "three", true, 2);
  EXPECT_EQ(pair.ids, (Ids{2, 4}));  // longest_first truncation, no separators
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("Four, one!")), "four one");
  EXPECT_EQ(tokenizer->decode({4, 2}), "three one");
  EXPECT_EQ(tokenizer->decode({1}), "");  // the OOV id is special: skipped
  EXPECT_EQ(tokenizer->decode({1}, false), "<OOV>");
}

// A literal "<pad>" / "<OOV>" is a special token to the base (matched before the words are split), so fit
// does not count it; "<PAD>" is no literal match, and with filters that keep '<' and '>' its lower-cased
// word "<pad>" is counted but takes no id of its own and encodes to OOV (never to the padding id).
TEST(WordTokenizer, ReservedTokensTakeNoWordIds) {
  const auto tokenizer = fit({"<pad> <OOV> word <pad>"});
  EXPECT_EQ(tokenizer->vocabulary(), (Words{"<pad>", "<OOV>", "word"}));
  WordTokenizerSettings keep_brackets;
  keep_brackets.filters = "";
  const auto kept = WordTokenizer::fit({"<PAD> <PAD> <oov> <oov> word"}, keep_brackets);
  EXPECT_EQ(kept->vocabulary(), (Words{"<pad>", "<OOV>", "<oov>", "word"}));
  EXPECT_EQ(kept->encode("<PAD> word"), (Ids{1, 3}));
  WordTokenizerSettings bad;
  bad.oov_token = "<pad>";
  EXPECT_NE(input_error([&] { WordTokenizer::fit({"a"}, bad); }).find("oov_token"), std::string::npos);
}

TEST(WordTokenizer, SaveFromFileAndLoadTokenizerRoundTrip) {
  WordTokenizerSettings settings;
  settings.num_words = 6;
  settings.oov_token = "[unk]";
  settings.filters = "!,";
  const std::vector<std::string> texts = {"Net user /add, net!", "whoami /all", "net view \\\\host"};
  const auto tokenizer = WordTokenizer::fit(texts, settings);
  const auto dir = testing::temp_dir("word-roundtrip") / "tokenizer";  // created by save
  tokenizer->save(dir);

  const nlohmann::json json = nlohmann::json::parse(std::ifstream(dir / "word_index.json"));
  EXPECT_EQ(json["tokenizer"], "attune-word");
  EXPECT_EQ(json["num_words"], 6);
  EXPECT_EQ(json["oov_token"], "[unk]");
  EXPECT_EQ(json["lower"], true);
  EXPECT_EQ(json["filters"], "!,");
  EXPECT_EQ(json["word_index"]["<pad>"], 0);
  EXPECT_EQ(json["word_index"]["[unk]"], 1);
  EXPECT_EQ(json["word_index"]["net"], 2);
  EXPECT_EQ(json["word_index"].size(), 6u);

  const auto loaded = WordTokenizer::from_file(dir / "word_index.json");
  const auto factory = load_tokenizer(dir);
  EXPECT_EQ(factory->kind(), TokenizerKind::kWord);
  EXPECT_EQ(loaded->vocabulary(), tokenizer->vocabulary());
  EXPECT_EQ(loaded->settings().filters, "!,");
  EXPECT_EQ(loaded->unk_id(), 1);
  const std::vector<std::string> probes = {"NET user /add", "whoami /all, net", "", "unseen words",
                                           "net view \\\\host!"};
  for (const auto& text : probes) {
    EXPECT_EQ(loaded->encode(text), tokenizer->encode(text)) << text;
    EXPECT_EQ(factory->encode(text), tokenizer->encode(text)) << text;
  }
}

TEST(WordTokenizer, MalformedWordIndexJsonIsAnInputErrorNamingFileAndKey) {
  const auto dir = testing::temp_dir("word-malformed");
  const auto file = dir / "word_index.json";
  auto error_for = [&](const std::string& content) {
    std::ofstream(file, std::ios::trunc) << content;
    return input_error([&] { WordTokenizer::from_file(file); });
  };
  const std::string good_head =
      R"({"tokenizer": "attune-word", "num_words": 10, "oov_token": "<OOV>", "lower": true, "filters": "!",)";
  EXPECT_EQ(error_for(good_head + R"( "word_index": {"<pad>": 0, "<OOV>": 1, "a": 2}})"), "");  // well-formed

  std::string message = error_for(good_head + R"( "word_index": {"<pad>": 0, "<OOV>": 1, "a": 1}})");
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("word_index: expected ids 0..2 each once"), std::string::npos) << message;
  message = error_for(good_head + R"( "word_index": {"<pad>": 0, "<OOV>": 1, "a": 3}})");
  EXPECT_NE(message.find("word_index: expected ids 0..2 each once"), std::string::npos) << message;
  message = error_for(good_head + R"( "word_index": {"<pad>": 0, "<OOV>": 1, "a": "2"}})");
  EXPECT_NE(message.find("word_index: expected ids"), std::string::npos) << message;
  message = error_for(good_head + R"( "word_index": {"<OOV>": 0, "<pad>": 1}})");
  EXPECT_NE(message.find("word_index: expected \"<pad>\": 0"), std::string::npos) << message;
  message = error_for(good_head + R"( "word_index": [1, 2]})");
  EXPECT_NE(message.find("key word_index: expected an object"), std::string::npos) << message;
  message = error_for(good_head + R"( "other": 1})");
  EXPECT_NE(message.find("key word_index"), std::string::npos) << message;
  message = error_for(R"({"tokenizer": "attune-word", "num_words": 2, "oov_token": "<OOV>", "lower": true,
                          "filters": "", "word_index": {"<pad>": 0, "<OOV>": 1}})");
  EXPECT_NE(message.find("key num_words: expected at least 3"), std::string::npos) << message;
  message = error_for(R"({"tokenizer": "attune-word", "num_words": 3, "oov_token": "<OOV>", "lower": true,
                          "filters": "", "word_index": {"<pad>": 0, "<OOV>": 1, "a": 2, "b": 3}})");
  EXPECT_NE(message.find("expected at most num_words = 3"), std::string::npos) << message;
  message = error_for(R"({"tokenizer": "keras", "word_index": {}})");
  EXPECT_NE(message.find("key tokenizer: expected \"attune-word\""), std::string::npos) << message;
  message = error_for(R"({"tokenizer": "attune-word", "num_words": "many"})");
  EXPECT_NE(message.find("key num_words: expected an integer"), std::string::npos) << message;
  message = error_for("{not json");
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  message = error_for("[]");
  EXPECT_NE(message.find("expected a JSON object"), std::string::npos) << message;
  // Through the factory too.
  std::ofstream(file, std::ios::trunc) << good_head + R"( "word_index": {"<pad>": 0}})";
  message = input_error([&] { load_tokenizer(dir); });
  EXPECT_NE(message.find("word_index"), std::string::npos) << message;
}

}  // namespace
}  // namespace attune::data
