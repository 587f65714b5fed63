// The unlabeled text pool that pretrains the embedded backbones: command lines and log lines drawn from
// every template of every label (attack techniques, benign activity, hard negatives), with the same text
// treatments the presets use (case games, lower-casing, noise, evasions). It has its own random stream,
// so it is not any preset's labeled split; it carries no labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attune::data {

struct TextPoolStats {
  std::size_t templates = 0;  // templates drawn from
  std::size_t lowercased = 0, case_games = 0, noisy = 0, evasions = 0;
};

// `rows` lines (duplicates allowed: frequent commands stay frequent), byte-identical for a seed.
std::vector<std::string> generate_text_pool(std::size_t rows, std::uint64_t seed,
                                            TextPoolStats* stats = nullptr);

}  // namespace attune::data
