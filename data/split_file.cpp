#include "data/split_file.h"

#include <cmath>
#include <set>
#include <unordered_map>

#include "data/generator/rng.h"

namespace attune::data {

std::size_t merge_identical_rows(std::vector<Example>& examples) {
  std::unordered_map<std::string, std::size_t> first;  // text + '\0' + label -> index in kept
  std::vector<Example> kept;
  kept.reserve(examples.size());
  for (auto& e : examples) {
    const auto [it, fresh] = first.emplace(e.text + '\0' + e.label, kept.size());
    if (fresh)
      kept.push_back(std::move(e));
    else
      kept[it->second].weight += e.weight;
  }
  const std::size_t merged = examples.size() - kept.size();
  examples = std::move(kept);
  return merged;
}

std::map<std::string, double> group_rare_labels(std::vector<Example>& examples, double min_count,
                                                const std::string& group) {
  std::map<std::string, double> observations;
  for (const auto& e : examples) observations[e.label] += e.weight;
  std::map<std::string, double> renamed;
  if (min_count <= 0) return renamed;
  for (const auto& [label, n] : observations)
    if (label != group && n < min_count) renamed.emplace(label, n);
  for (auto& e : examples)
    if (renamed.count(e.label)) e.label = group;
  return renamed;
}

ExampleSplits stratified_example_split(std::vector<Example> examples, const SplitFractions& fractions,
                                       std::uint64_t seed) {
  std::map<std::string, std::vector<Example>> by_label;
  for (auto& e : examples) by_label[e.label].push_back(std::move(e));
  ExampleSplits out;
  auto rounded = [](std::size_t n, double f) {
    return static_cast<std::size_t>(std::floor(static_cast<double>(n) * f + 0.5));
  };
  for (auto& [label, rows] : by_label) {
    gen::Rng rng(gen::stream_seed(seed, "split-file/" + label));
    rng.shuffle(rows);
    const std::size_t n = rows.size();
    const std::size_t test = std::min(n, rounded(n, fractions.test));
    const std::size_t validation = std::min(n - test, rounded(n, fractions.validation));
    for (std::size_t i = 0; i < n; ++i) {
      auto& to = i < test ? out.test : i < test + validation ? out.validation : out.train;
      to.push_back(std::move(rows[i]));
    }
  }
  gen::Rng rng(gen::stream_seed(seed, "split-file/order"));
  rng.shuffle(out.train);
  rng.shuffle(out.validation);
  rng.shuffle(out.test);
  return out;
}

void write_examples(const std::filesystem::path& file, const std::vector<Example>& examples,
                    const ExampleColumns& columns, bool with_count) {
  std::vector<std::string> header = {columns.text, columns.label};
  if (with_count) header.push_back(columns.count);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(examples.size());
  for (const auto& e : examples) {
    std::vector<std::string> row = {e.text, e.label};
    if (with_count) row.push_back(std::to_string(static_cast<long long>(std::llround(e.weight))));
    rows.push_back(std::move(row));
  }
  write_csv(file, header, rows);
}

}  // namespace attune::data
