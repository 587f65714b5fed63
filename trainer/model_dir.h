// Loading what a run exported — a merged Hugging Face dir or a PEFT adapter dir (its base resolved as in
// training) — with its tokenizer, labels and preprocessing, for `evaluate`, `predict` and `serve`.
#pragma once

#include <filesystem>
#include <memory>

#include "data/label_map.h"
#include "data/tokenizers/tokenizer.h"
#include "models/encoder.h"
#include "trainer/export.h"

namespace attune::trainer {

struct LoadedModel {
  std::filesystem::path dir;
  bool is_adapter = false;
  std::filesystem::path base_dir;  // the resolved base model (adapter dirs)
  std::shared_ptr<models::SequenceClassifier> model;
  std::unique_ptr<data::Tokenizer> tokenizer;  // with the recorded lower-casing applied
  data::LabelMap labels;
  Preprocessing preprocessing;
};

// Throws InputError naming the dir and what it expected (config.json + model.safetensors, or
// adapter_config.json + adapter_model.safetensors) when it is neither.
LoadedModel load_model_dir(const std::filesystem::path& dir);

}  // namespace attune::trainer
