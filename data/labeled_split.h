// One labeled CSV read and tokenized: a split of a run (train, validation, test, stress, the real-data
// proxy) or the data `evaluate` scores.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/batching.h"
#include "data/csv.h"
#include "data/label_map.h"
#include "data/tokenizers/tokenizer.h"

namespace attune::data {

struct Split {
  std::string name;  // "train", "validation", "test", "stress", "data"
  std::filesystem::path file;
  std::vector<Example> examples;
  TokenizedRows rows;  // ids truncated to max_length, labels by the label map, weights by count
};

// Tokenizes split.examples into split.rows and maps their labels (InputError naming split.file for a label
// outside `labels`). Truncation keeps the special tokens.
void tokenize_split(Split& split, const LabelMap& labels, const Tokenizer& tokenizer, int64_t max_length);

// Reads one CSV as a split with a known label map (its labels must be among them) and tokenizes it.
// InputError for a file without data rows, and as read_examples.
Split load_split(const std::string& name, const std::filesystem::path& file, const ExampleColumns& columns,
                 const LabelMap& labels, const Tokenizer& tokenizer, int64_t max_length);

}  // namespace attune::data
