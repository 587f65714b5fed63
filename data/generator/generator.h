// gen-data's library side: generates a preset's corpus (unique rows per label, deduplicated before a
// stratified or template-holdout split), its manifest, and writes train/validation/test(/stress).csv.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attune::data {

struct GeneratedRow {
  std::string text;
  std::string label;
  std::string template_id;  // the registry id of the template that produced it, or "world:<package>"
  std::uint64_t count = 1;  // observations of this text (the ctf preset's execution counts); 1 elsewhere
};

// True for a row taken from the benign world (real command lines) rather than a template.
bool from_world(const GeneratedRow& row);

// How many of `rows` are Benign, and how many of those come from the benign world.
struct BenignSources {
  std::size_t benign = 0, from_world = 0;
};
BenignSources benign_sources(const std::vector<GeneratedRow>& rows);

struct GenDataOptions {
  std::string preset;
  std::uint64_t seed = 42;
  // 0 < f < 1: hold out this fraction of each label's templates; test rows come only from them.
  std::optional<double> holdout_templates;
  // The benign-world corpus (benign_world.h) and the hand-written real attack command lines
  // (data/real_attacks/commands.csv); unset: default_benign_world_dir() / default_real_attacks_file().
  std::optional<std::filesystem::path> benign_world_dir = std::nullopt;
  std::optional<std::filesystem::path> real_attacks_file = std::nullopt;
};

// $ATTUNE_REAL_ATTACKS when set, else the checkout's data/real_attacks/commands.csv.
std::filesystem::path default_real_attacks_file();

struct GeneratedData {
  std::string preset;
  std::vector<std::string> labels;
  std::vector<GeneratedRow> train, validation, test;
  std::vector<GeneratedRow> stress;  // empty unless the preset has a stress set
  // The real-data proxy, disjoint from every split: the benign world's heldout packages (Benign) and the
  // hand-written real attack command lines of the preset's attack labels.
  std::vector<GeneratedRow> real_benign, real_attacks;
  std::vector<GeneratedRow> all;  // ctf: every row before the split (all.csv, for train's data.split)
  nlohmann::json manifest;
};

// The generator's version, written into manifest.json: a generated dir made by another version (other
// templates, another mix) is generated again by train's data.generate.
inline constexpr int kGeneratorVersion = 2;

// Throws InputError for an unknown preset or a holdout fraction outside (0, 1).
GeneratedData generate_data(const GenDataOptions& options);

// Writes train.csv, validation.csv, test.csv (header text,label, plus count where a split's rows carry
// counts), stress.csv when present, real_benign.csv, real_attacks.csv and all.csv when not empty,
// manifest.json.
void write_generated_data(const GeneratedData& data, const std::filesystem::path& out_dir);

// Rows per split and label, as a small fixed-width table, and how many Benign rows of each split are real
// command lines (the benign world) rather than template expansions.
std::string summary_table(const GeneratedData& data);

}  // namespace attune::data
