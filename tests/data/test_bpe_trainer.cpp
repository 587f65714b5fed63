// The byte-level BPE trainer: hand-counted merges on tiny corpora, and trained files that our BPE
// tokenizer loads and round-trips.
#include "data/tokenizers/bpe_trainer.h"

#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "data/tokenizers/tokenizer.h"
#include "test_paths.h"

namespace attune::data {
namespace {

std::vector<std::string> merge_lines(const std::filesystem::path& dir) {
  std::ifstream in(dir / "merges.txt");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

constexpr std::int64_t kBase = 5 + 256;  // default specials + byte symbols

TEST(BpeTrainer, MergesTheMostFrequentPairFirst) {
  // "abab" x3: (a,b) is seen 6 times, (b,a) 3 times; after a+b the word is [ab, ab]: (ab,ab) 3 times.
  const std::vector<std::string> lines(3, "abab");
  const auto dir = testing::temp_dir("bpe-train-count");
  const auto result = train_byte_level_bpe(
      lines, {kBase + 10, /*min_frequency=*/1, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}}, dir);
  EXPECT_EQ(merge_lines(dir), (std::vector<std::string>{"#version: 0.2", "a b", "ab ab"}));
  EXPECT_EQ(result.merges, 2);
  EXPECT_EQ(result.vocab_size, kBase + 2);
  // min_frequency 4 stops before the pair seen 3 times; vocab_size stops after one merge too.
  const auto dir2 = testing::temp_dir("bpe-train-min");
  train_byte_level_bpe(lines, {kBase + 10, /*min_frequency=*/4, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}},
                       dir2);
  EXPECT_EQ(merge_lines(dir2), (std::vector<std::string>{"#version: 0.2", "a b"}));
  const auto dir3 = testing::temp_dir("bpe-train-size");
  train_byte_level_bpe(lines, {kBase + 1, /*min_frequency=*/1, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}},
                       dir3);
  EXPECT_EQ(merge_lines(dir3), (std::vector<std::string>{"#version: 0.2", "a b"}));
}

TEST(BpeTrainer, TiesGoToTheSmallerPairAndSpacesBecomeG) {
  const auto dir = testing::temp_dir("bpe-train-tie");
  train_byte_level_bpe({"xy ab"},
                       {kBase + 3, /*min_frequency=*/1, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}}, dir);
  // Words "xy" and " ab": pairs (x,y), (Ġ,a), (a,b) all once; "a" < "x" < "Ġ" (U+0120).
  EXPECT_EQ(merge_lines(dir), (std::vector<std::string>{"#version: 0.2", "a b", "x y", "\xC4\xA0 ab"}));
}

TEST(BpeTrainer, TrainedFilesLoadAndRoundTrip) {
  std::vector<std::string> lines;
  const std::vector<std::string> templates = {
      "powershell -nop -w hidden -enc ", "net user administrator /domain ",
      "reg save HKLM\\SAM C:\\Temp\\sam", "whoami /all && ipconfig /all "};
  for (int i = 0; i < 400; ++i) lines.push_back(templates[i % templates.size()] + std::to_string(i));
  const auto dir = testing::temp_dir("bpe-train-load");
  const auto result = train_byte_level_bpe(
      lines, {/*vocab_size=*/600, /*min_frequency=*/2, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}}, dir);
  EXPECT_GT(result.merges, 50);
  EXPECT_LE(result.vocab_size, 600);
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kByteLevelBpe);
  EXPECT_EQ(tokenizer->bos_id(), 0);
  EXPECT_EQ(tokenizer->pad_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->unk_id(), 3);
  EXPECT_EQ(tokenizer->mask_id(), 4);
  EXPECT_EQ(tokenizer->vocab_size(), result.vocab_size);
  // Frequent words become single tokens; unseen text still round-trips byte for byte.
  EXPECT_EQ(tokenizer->encode("powershell", false).size(), 1u);
  EXPECT_EQ(tokenizer->encode(" hidden", false).size(), 1u);
  for (const std::string text : {"powershell -nop -w hidden -enc 12", "ünseen tëxt ✓ \t done"})
    EXPECT_EQ(tokenizer->decode(tokenizer->encode(text)), text);
  // Deterministic: the same corpus gives the same files.
  const auto again = testing::temp_dir("bpe-train-again");
  train_byte_level_bpe(lines, {600, 2, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}}, again);
  EXPECT_EQ(merge_lines(again), merge_lines(dir));
}

TEST(BpeTrainer, RejectsTooSmallVocabAndRepeatedSpecials) {
  const auto dir = testing::temp_dir("bpe-train-bad");
  EXPECT_THROW(train_byte_level_bpe({"a"}, {/*vocab_size=*/100, 2, {"<s>"}}, dir), InputError);
  EXPECT_THROW(train_byte_level_bpe({"a"}, {/*vocab_size=*/1000, 2, {"<s>", "<s>"}}, dir), InputError);
}

}  // namespace
}  // namespace attune::data
