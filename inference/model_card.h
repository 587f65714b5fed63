// The model card of an exported dir: README.md with Hugging Face's YAML front matter (library_name,
// base_model where the backbone is a Hugging Face name, pipeline_tag, tags, metrics), written from the
// run's own results: the labels with their ATT&CK names, the test confusion matrix and classification
// report (by argmax and at the operating point), stress and real-data-proxy results, the calibration,
// the backbone actually used, the training settings and cost, how to use it, and its limitations.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "inference/export_dir.h"

namespace attune::inference {

struct ModelCardInput {
  nlohmann::json summary;  // run_summary.json (backbone, test, stress, real_data, calibration, timings)
  Preprocessing preprocessing;
  nlohmann::json settings;  // {"model_type", "method", "peft", "training", "data"}: how the run trained
  std::string dir_kind;     // "merged" or "adapter"
};

std::string model_card(const ModelCardInput& input);

// Writes model_card(input) to <dir>/README.md (atomically).
void write_model_card(const std::filesystem::path& dir, const ModelCardInput& input);

}  // namespace attune::inference
