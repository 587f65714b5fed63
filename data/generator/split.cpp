#include "data/generator/split.h"

#include "data/generator/rng.h"

namespace attune::data {

namespace {

std::vector<std::vector<GeneratedRow>> by_label(std::vector<GeneratedRow> rows,
                                                const std::vector<std::string>& labels) {
  std::vector<std::vector<GeneratedRow>> groups(labels.size());
  for (auto& row : rows)
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (row.label == labels[i]) groups[i].push_back(std::move(row));
  return groups;
}

void take(std::vector<GeneratedRow>& from, std::size_t begin, std::size_t end,
          std::vector<GeneratedRow>& to) {
  for (std::size_t i = begin; i < end; ++i) to.push_back(std::move(from[i]));
}

void shuffle_splits(SplitRows& out, std::uint64_t seed) {
  gen::Rng rng(gen::stream_seed(seed, "split/order"));
  rng.shuffle(out.train);
  rng.shuffle(out.validation);
  rng.shuffle(out.test);
}

}  // namespace

SplitRows stratified_split(std::vector<GeneratedRow> rows, const std::vector<std::string>& labels,
                           std::uint64_t seed) {
  SplitRows out;
  auto groups = by_label(std::move(rows), labels);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    auto& group = groups[i];
    gen::Rng rng(gen::stream_seed(seed, "split/" + labels[i]));
    rng.shuffle(group);
    const std::size_t n = group.size(), k = tenth(n);
    take(group, 0, k, out.test);
    take(group, k, 2 * k, out.validation);
    take(group, 2 * k, n, out.train);
  }
  shuffle_splits(out, seed);
  return out;
}

SplitRows holdout_split(std::vector<GeneratedRow> rows, const std::vector<std::string>& labels,
                        const std::set<std::string>& held_out, std::uint64_t seed) {
  SplitRows out;
  auto groups = by_label(std::move(rows), labels);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::vector<GeneratedRow> rest;
    for (auto& row : groups[i]) {
      if (held_out.count(row.template_id))
        out.test.push_back(std::move(row));
      else
        rest.push_back(std::move(row));
    }
    gen::Rng rng(gen::stream_seed(seed, "split/" + labels[i]));
    rng.shuffle(rest);
    const std::size_t m = rest.size(), v = (m + 4) / 9;
    take(rest, 0, v, out.validation);
    take(rest, v, m, out.train);
  }
  shuffle_splits(out, seed);
  return out;
}

}  // namespace attune::data
