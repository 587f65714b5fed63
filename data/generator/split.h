// Splitting deduplicated rows: stratified 80/10/10, or by a template holdout (test rows only from
// held-out templates). Both are deterministic given the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "data/generator/generator.h"

namespace attune::data {

struct SplitRows {
  std::vector<GeneratedRow> train, validation, test;
};

// The test (and validation) size of a label with n rows in the stratified split: n/10 rounded half up.
inline std::size_t tenth(std::size_t n) {
  return (n + 5) / 10;
}

// Per label: shuffle, then test = tenth(n), validation = tenth(n), train = the rest. Each split is then
// shuffled across labels.
SplitRows stratified_split(std::vector<GeneratedRow> rows, const std::vector<std::string>& labels,
                           std::uint64_t seed);

// Rows of `held_out` templates go to test; per label the rest is split 8:1 into train and validation
// (validation = round(m/9)).
SplitRows holdout_split(std::vector<GeneratedRow> rows, const std::vector<std::string>& labels,
                        const std::set<std::string>& held_out, std::uint64_t seed);

}  // namespace attune::data
