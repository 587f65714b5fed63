// Creating encoders from a config (seeded random init) and loading/saving Hugging Face model dirs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "models/hf_config.h"

namespace attune::models {

// A new sequence classifier for config.model_type with seeded random init (HF's init scheme).
std::shared_ptr<SequenceClassifier> create_model(const HFConfig& config, uint64_t seed = 0);

struct LoadReport {
  std::vector<std::string> unused_keys;        // in the file, consumed by nothing (after known-unused ones)
  std::vector<std::string> ignored_keys;       // known-unused (lm_head.*, roberta.pooler.*, ...)
  std::vector<std::string> newly_initialized;  // parameters the file did not fill (e.g. a new head)
};

// Loads config.json + model.safetensors (or a sharded index) from a HF dir, name-for-name. `num_labels`
// > 0 overrides the config's label count (a new head is then reported as newly initialized).
std::shared_ptr<SequenceClassifier> load_model(const std::filesystem::path& dir, LoadReport* report = nullptr,
                                               int64_t num_labels = -1, uint64_t seed = 0);

}  // namespace attune::models
