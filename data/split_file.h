// One labeled CSV split by attune itself (train's data.split): identical rows merged (their counts added),
// rare labels grouped under one name (data.group_rare, as the CTF study did with Z999), then a stratified
// split by fractions (80/10/10 by default, 60/20/20 as in the study). Deterministic for a seed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data/csv.h"

namespace attune::data {

// Rows with the same text and label become one, its weight the sum of theirs (its line the first one's).
// Returns how many rows were merged away.
std::size_t merge_identical_rows(std::vector<Example>& examples);

// Renames every label whose observations (the sum of its rows' weights: the count column, else 1 a row)
// are fewer than min_count to `group`. Returns the renamed labels and their observations. A label already
// named `group` keeps its rows; min_count <= 0 renames nothing.
std::map<std::string, double> group_rare_labels(std::vector<Example>& examples, double min_count,
                                                const std::string& group);

struct SplitFractions {
  double train = 0.8, validation = 0.1, test = 0.1;
};

struct ExampleSplits {
  std::vector<Example> train, validation, test;
};

// Per label: its rows shuffled (seeded), test = round(n × test) and validation = round(n × validation)
// rows (halves up, never more than n together), train the rest; then each split shuffled. A label with
// few rows may have none in validation or test.
ExampleSplits stratified_example_split(std::vector<Example> examples, const SplitFractions& fractions,
                                       std::uint64_t seed);

// Writes `examples` as CSV with the header text,label (the columns' names) plus count when `with_count`
// (weights written as integers).
void write_examples(const std::filesystem::path& file, const std::vector<Example>& examples,
                    const ExampleColumns& columns, bool with_count);

}  // namespace attune::data
