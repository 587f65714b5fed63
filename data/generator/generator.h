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
  std::string template_id;  // the registry id of the template that produced it
};

struct GenDataOptions {
  std::string preset;
  std::uint64_t seed = 42;
  // 0 < f < 1: hold out this fraction of each label's templates; test rows come only from them.
  std::optional<double> holdout_templates;
};

struct GeneratedData {
  std::string preset;
  std::vector<std::string> labels;
  std::vector<GeneratedRow> train, validation, test;
  std::vector<GeneratedRow> stress;  // empty unless the preset has a stress set
  nlohmann::json manifest;
};

// Throws InputError for an unknown preset or a holdout fraction outside (0, 1).
GeneratedData generate_data(const GenDataOptions& options);

// Writes train.csv, validation.csv, test.csv (header text,label), stress.csv when present, manifest.json.
void write_generated_data(const GeneratedData& data, const std::filesystem::path& out_dir);

// Rows per split and label, as a small fixed-width table.
std::string summary_table(const GeneratedData& data);

}  // namespace attune::data
