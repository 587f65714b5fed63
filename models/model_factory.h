// Creating encoders from a config (seeded random init) and loading/saving Hugging Face model dirs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "models/hf_config.h"

namespace attune::models {

// A new sequence classifier for config.model_type with seeded random init (HF's init scheme: Linear and
// Embedding weights N(0, initializer_range), zero biases, zero padding rows, LayerNorm 1/0). Seeds torch's
// global generator with `seed`. Unknown model_type throws InputError.
std::shared_ptr<SequenceClassifier> create_model(const HFConfig& config, uint64_t seed = 0);

struct LoadReport {
  std::vector<std::string> unused_keys;        // in the file, consumed by nothing (after known-unused ones)
  std::vector<std::string> ignored_keys;       // known-unused (lm_head.*, roberta.pooler.*, ...)
  std::vector<std::string> newly_initialized;  // parameters the file did not fill (e.g. a new head)
};

// Loads config.json + model.safetensors (or model.safetensors.index.json shards) from a HF dir,
// name-for-name into named_parameters() (stored F16/BF16/F64 converted to the parameter's fp32). Also
// accepted, as transformers does: keys without the base-model prefix ("embeddings.…" for
// "roberta.embeddings.…") and the legacy LayerNorm.gamma/.beta names. `num_labels` > 0 and different from
// the config's replaces the labels with LABEL_0..n-1 and re-initializes a head whose shape no longer
// fits (reported as newly initialized). A shape mismatch elsewhere, a missing config/weights file or a
// pytorch_model.bin-only dir throws InputError. With report == nullptr, a parameter outside the head that
// the file did not fill also throws InputError.
std::shared_ptr<SequenceClassifier> load_model(const std::filesystem::path& dir, LoadReport* report = nullptr,
                                               int64_t num_labels = -1, uint64_t seed = 0);

// Writes a HF model dir: config.json (to_json, architectures = the sequence classifier class,
// torch_dtype) and model.safetensors with the state_dict names of every parameter (not buffers: HF's
// state_dicts of these models hold none), stored as `dtype` (torch::kFloat or torch::kBFloat16). Adapters
// registered inside Linear layers are parameters too: merge and remove them first for a plain HF dir. Creates
// `dir` if needed.
void save_model(SequenceClassifier& model, const std::filesystem::path& dir,
                torch::ScalarType dtype = torch::kFloat);

// The base-model prefix of a model_type: "roberta", "bert", "deberta".
std::string base_model_prefix(const std::string& model_type);

// Whether a checkpoint key is one transformers itself drops when loading a *ForSequenceClassification
// of this model_type (lm_head.*, cls.*, roberta.pooler.*, position_ids buffers, ...).
bool is_known_unused_key(const std::string& model_type, const std::string& key);

}  // namespace attune::models
