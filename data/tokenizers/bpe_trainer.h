// Trains a byte-level BPE vocabulary in RoBERTa's file format (vocab.json + merges.txt), as Hugging Face's
// ByteLevelBPETokenizer.train does: GPT-2 pre-tokenization, all 256 byte symbols in the alphabet, then the
// most frequent adjacent pair merged until the vocabulary is full or no pair is frequent enough.
// Ties between equally frequent pairs go to the lexicographically smaller (left, right) strings, so a
// corpus always gives the same files (not necessarily the same as Hugging Face's on ties).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace attune::data {

struct BpeTrainerOptions {
  std::int64_t vocab_size = 30000;  // specials + 256 byte symbols + merges
  std::int64_t min_frequency = 2;   // a pair seen fewer times is never merged
  std::vector<std::string> special_tokens = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"};  // ids 0, 1, ...
};

struct BpeTrainResult {
  std::int64_t vocab_size = 0;
  std::int64_t merges = 0;
};

// Trains on lines and writes out_dir/vocab.json and out_dir/merges.txt (out_dir is created).
// Throws InputError when vocab_size cannot hold the specials and the 256 byte symbols, or on duplicates.
BpeTrainResult train_byte_level_bpe(const std::vector<std::string>& lines, const BpeTrainerOptions& options,
                                    const std::filesystem::path& out_dir);

}  // namespace attune::data
