// The presets of gen-data, one per model card (and `ctf`, the CTF-telemetry study's shape,
// data/generator/ctf.h): which labels, how many unique rows of each, which benign hard negatives, and the
// card's text treatment (lower-casing, noise, an adversarial stress set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attune::data {

struct PresetSpec {
  std::string name;
  std::string description;
  std::vector<std::string> labels;              // Benign first
  std::vector<std::size_t> rows;                // unique rows per label (after deduplication)
  std::vector<std::string> hard_negatives_for;  // attack labels whose benign hard negatives are included
  bool lowercase = false;                       // lower-case every text
  std::uint32_t noise_per_mille = 0;            // rows (of 1000) that get one kind of noise
  // Command rows (of 1000) that get one or two evasions of the stress set's families (adversarial
  // training); the stress set's own texts stay disjoint from every split.
  std::uint32_t evasion_per_mille = 0;
  std::vector<std::size_t> stress_rows;  // per label; empty = no stress.csv
  // Benign rows (of 1000) drawn from the benign world's train packages (benign_world.h) instead of the
  // benign templates, as far as the world has sanitized lines left; 0 = templates only.
  std::uint32_t world_per_mille = 0;
};

const std::vector<PresetSpec>& preset_specs();
std::vector<std::string> preset_names();
// Throws attune::InputError naming the valid presets when `name` is not one of them.
const PresetSpec& find_preset(const std::string& name);

}  // namespace attune::data
