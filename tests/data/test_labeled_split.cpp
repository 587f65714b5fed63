// data/labeled_split: one labeled CSV read and tokenized with a known label map (a run's splits, evaluate's
// data), on a small WordPiece vocab written here.
#include "data/labeled_split.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::data {
namespace {

// [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then the words.
const std::vector<std::string> kVocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "net", "user", "add"};

std::filesystem::path write_file(const std::filesystem::path& file, const std::string& content) {
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

std::unique_ptr<Tokenizer> tokenizer(const std::filesystem::path& dir) {
  std::ofstream vocab(dir / "vocab.txt");
  for (const auto& token : kVocab) vocab << token << "\n";
  vocab.close();
  return load_tokenizer(dir);
}

TEST(LabeledSplit, ReadsTokenizesTruncatesAndMapsLabels) {
  const auto dir = testing::temp_dir("labeled-split");
  const auto tok = tokenizer(dir);
  const auto file = write_file(dir / "test.csv", "text,label,count\nnet user add,T1,2\nnet,Benign,1\n");
  const LabelMap labels({"Benign", "T1"});
  const auto split = load_split("test", file, {}, labels, *tok, /*max_length=*/4);
  EXPECT_EQ(split.name, "test");
  EXPECT_EQ(split.file, file);
  ASSERT_EQ(split.examples.size(), 2u);
  EXPECT_EQ(split.examples[1].line, 3u);
  // Truncated to 4 with the special tokens kept: [CLS] net user [SEP].
  EXPECT_EQ(split.rows.input_ids[0], (std::vector<int64_t>{2, 5, 6, 3}));
  EXPECT_EQ(split.rows.input_ids[1], (std::vector<int64_t>{2, 5, 3}));
  EXPECT_EQ(split.rows.labels, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(split.rows.weights, (std::vector<float>{2, 1}));
}

TEST(LabeledSplit, NoRowsOrAnUnknownLabelIsAnInputError) {
  const auto dir = testing::temp_dir("labeled-split-bad");
  const auto tok = tokenizer(dir);
  const LabelMap labels({"Benign", "T1"});
  try {
    load_split("data", write_file(dir / "empty.csv", "text,label\n"), {}, labels, *tok, 16);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      load_split("data", write_file(dir / "other.csv", "text,label\nnet,T9\n"), {}, labels, *tok, 16),
      InputError);
}

}  // namespace
}  // namespace attune::data
