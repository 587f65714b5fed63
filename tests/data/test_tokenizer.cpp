// The shared Tokenizer behaviour: the factory's choice by files, truncation keeping the specials,
// encode_batch = encode, and errors that name what was expected.
#include "data/tokenizers/tokenizer.h"

#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

// A tiny byte-level BPE dir: specials, the bytes of "ab c", and the merges a+b, Ġ+c.
std::filesystem::path tiny_bpe_dir(const std::string& tag) {
  const auto dir = testing::temp_dir(tag);
  std::ofstream(dir / "vocab.json")
      << R"({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4, "b": 5, "c": 6, "\u0120": 7, "ab": 8, "\u0120c": 9,
             "<mask>": 10})";
  std::ofstream(dir / "merges.txt") << "#version: 0.2\na b\n\xC4\xA0 c\n";
  return dir;
}

TEST(Tokenizer, FactoryPicksByFiles) {
  const auto bpe = load_tokenizer(tiny_bpe_dir("tok-bpe"));
  EXPECT_EQ(bpe->kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(bpe->encode("ab c"), (std::vector<std::int64_t>{0, 8, 9, 2}));
  EXPECT_EQ(bpe->encode("abx"), (std::vector<std::int64_t>{0, 8, 3, 2}));  // 'x' is not in the vocab: <unk>
  const auto wp_dir = testing::temp_dir("tok-wp");
  std::ofstream(wp_dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhi\n";
  EXPECT_EQ(load_tokenizer(wp_dir)->kind(), TokenizerKind::kWordPiece);
  if (std::filesystem::exists(testing::shared_dir() / "tokenizers/deberta-v3")) {
    EXPECT_EQ(load_tokenizer(testing::shared_dir() / "tokenizers/deberta-v3")->kind(),
              TokenizerKind::kSentencePiece);
  }
}

TEST(Tokenizer, MissingOrEmptyDirIsAnInputError) {
  try {
    load_tokenizer(testing::temp_dir("tok-empty"));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected spm.model, vocab.json + merges.txt"), std::string::npos);
  }
  EXPECT_THROW(load_tokenizer("/nonexistent/tokenizer/dir"), InputError);
  const auto dir = testing::temp_dir("tok-unigram");
  std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})";
  EXPECT_THROW(load_tokenizer(dir), InputError);
}

TEST(Tokenizer, TruncationKeepsSpecials) {
  const auto tokenizer = load_tokenizer(tiny_bpe_dir("tok-trunc"));
  EXPECT_EQ(tokenizer->encode("ab c ab c", true, /*max_length=*/4), (std::vector<std::int64_t>{0, 8, 9, 2}));
  EXPECT_EQ(tokenizer->encode("ab c ab c", true, /*max_length=*/2), (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(tokenizer->encode("ab c ab c", false, /*max_length=*/1), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(tokenizer->encode("ab c", true, /*max_length=*/100), (std::vector<std::int64_t>{0, 8, 9, 2}));
  EXPECT_THROW(tokenizer->encode("ab", true, /*max_length=*/1), InputError);
  // Pairs: "longest_first" takes from the longer text, from the second one on a tie.
  const auto pair = tokenizer->encode_pair("ab ab ab", "c c", true, /*max_length=*/7);
  EXPECT_EQ(pair.ids, (std::vector<std::int64_t>{0, 8, 7, 2, 2, 6, 2}));
  EXPECT_THROW(tokenizer->encode_pair("ab", "c", true, /*max_length=*/3), InputError);
}

TEST(Tokenizer, SpecialsAndMaskLiteral) {
  const auto tokenizer = load_tokenizer(tiny_bpe_dir("tok-specials"));
  EXPECT_EQ(tokenizer->bos_id(), 0);
  EXPECT_EQ(tokenizer->pad_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->unk_id(), 3);
  EXPECT_EQ(tokenizer->mask_id(), 10);
  EXPECT_EQ(tokenizer->num_special_tokens(/*pair=*/true), 4);
  EXPECT_EQ(tokenizer->encode("ab <mask>c", false), (std::vector<std::int64_t>{8, 10, 6}));
  EXPECT_EQ(tokenizer->decode({0, 8, 9, 2}), "ab c");
  EXPECT_EQ(tokenizer->decode({0, 8, 9, 2}, /*skip_special_tokens=*/false), "<s>ab c</s>");
  EXPECT_THROW(tokenizer->id_to_token(11), InputError);
}

TEST(Tokenizer, LowercaseOptionAppliesBeforeTokenizing) {
  const auto plain = load_tokenizer(tiny_bpe_dir("tok-lower"));
  const auto lower = load_tokenizer(tiny_bpe_dir("tok-lower2"), TokenizerOptions{/*lowercase=*/true});
  EXPECT_TRUE(lower->options().lowercase);
  EXPECT_EQ(plain->encode("AB", false), (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(lower->encode("AB", false), (std::vector<std::int64_t>{8}));
  EXPECT_EQ(lower->encode("<MASK>", false),
            plain->encode("<mask>", false));  // lower-cased text, then literals
}

TEST(Tokenizer, EncodeBatchMatchesEncodeOnEveryThreadCount) {
  const auto tokenizer = load_tokenizer(tiny_bpe_dir("tok-batch"));
  std::vector<std::string> texts;
  for (int i = 0; i < 1000; ++i) texts.push_back(std::string(static_cast<std::size_t>(i % 7), 'a') + " c ab");
  for (int threads : {1, 3, 0}) {
    const auto batch = tokenizer->encode_batch(texts, true, /*max_length=*/6, threads);
    ASSERT_EQ(batch.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) ASSERT_EQ(batch[i], tokenizer->encode(texts[i], true, 6));
  }
  EXPECT_THROW(tokenizer->encode_batch(texts, true, /*max_length=*/1, 2),
               InputError);  // rethrown from a worker
}

}  // namespace
}  // namespace attune::data
