// The exported dir, written and read in one place. What a run leaves for deployment: a merged Hugging Face
// model dir (config.json with id2label, model.safetensors, the tokenizer files) and, for LoRA, a PEFT adapter
// dir. Both also carry `attune.json`: the preprocessing the model was trained with (lower-casing,
// max_length), its labels and backbone, which `evaluate`, `predict` and `serve` apply themselves.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/label_map.h"
#include "data/tokenizers/tokenizer.h"
#include "inference/evaluation.h"
#include "inference/operating_point.h"
#include "models/encoder.h"
#include "peft/lora.h"

namespace attune::inference {

// The file name of the preprocessing record.
inline constexpr const char* kAttuneFile = "attune.json";

// Preprocessing that travels with a model.
struct Preprocessing {
  bool lowercase = false;
  int64_t max_length = 128;
  std::vector<std::string> labels;
  nlohmann::json backbone;  // {"name", "path", "how", ...} of the backbone it was trained from
  std::optional<bool>
      bf16;  // the inference precision of the run's own reports (training.bf16); unset: unknown
  // Written by train from the validation split (calibration.h, operating_point.h); a dir without them
  // (older runs) reads back as T = 1 and no operating point: argmax.
  double temperature = 1.0;
  std::optional<OperatingPoint> operating_point;
  nlohmann::json to_json() const;
  static Preprocessing from_json(const nlohmann::json& j, const std::string& origin);
};

// Copies the tokenizer files a Hugging Face dir may hold (vocab.json, merges.txt, tokenizer.json,
// spm.model, vocab.txt, tokenizer_config.json, special_tokens_map.json, added_tokens.json) that exist, and
// the classic kinds' word_index.json / tfidf_vectorizer.json.
void copy_tokenizer_files(const std::filesystem::path& from, const std::filesystem::path& to);

// Writes (or completes) <dir>/tokenizer_config.json so that Hugging Face's tokenizers see what attune
// trained with: model_max_length = pre.max_length, and do_lower_case true when pre.lowercase (BERT's and
// DeBERTa-v2's tokenizers honour it; RoBERTa's byte-level BPE has no such switch, so its users must
// lower-case themselves, as attune.json says). The copied file's other fields are kept.
void write_tokenizer_config(const std::filesystem::path& dir, const Preprocessing& pre);

// For lower-casing runs, a tokenizer.json whose normalizer lower-cases, so that Hugging Face's fast
// tokenizers (what AutoTokenizer picks when the file is there) apply it themselves: an existing file gains
// a Lowercase normalizer (first in a Sequence; BertNormalizer's lowercase flag), and a byte-level BPE dir
// (vocab.json + merges.txt: RoBERTa) without one gets RoBERTa's tokenizer.json layout with it. RoBERTa's
// slow tokenizer has no lower-casing switch. Nothing is written for runs that keep case.
void write_tokenizer_json(const std::filesystem::path& dir, const Preprocessing& pre);

void write_preprocessing(const std::filesystem::path& dir, const Preprocessing& pre);
// Reads <dir>/attune.json; a dir without one gets the defaults (lowercase false, max_length from the
// tokenizer) and labels from config.json.
Preprocessing read_preprocessing(const std::filesystem::path& dir);

// Both exports are written whole into <dir>.partial and renamed into place (replacing what was there), so
// a kill mid-export never leaves a half-written dir.
// Writes the PEFT adapter dir (LoRA only): adapter_config.json, adapter_model.safetensors, tokenizer
// files, attune.json.
void export_adapter(const std::filesystem::path& dir, models::SequenceClassifier& model,
                    const peft::LoraInfo& info, const std::filesystem::path& tokenizer_dir,
                    const Preprocessing& pre, torch::ScalarType dtype);

// Merges LoRA into the weights and removes it (the model is plain afterwards), then writes the merged HF
// dir: config.json, model.safetensors (dtype), tokenizer files, attune.json.
void export_merged(const std::filesystem::path& dir, models::SequenceClassifier& model,
                   const std::filesystem::path& tokenizer_dir, const Preprocessing& pre,
                   torch::ScalarType dtype);

// Loading what a run exported — a merged Hugging Face dir or a PEFT adapter dir (its base resolved as in
// training) — with its tokenizer, labels and preprocessing, for `evaluate`, `predict` and `serve`.
struct LoadedModel {
  std::filesystem::path dir;
  bool is_adapter = false;
  std::filesystem::path base_dir;  // the resolved base model (adapter dirs)
  std::shared_ptr<models::SequenceClassifier> model;
  std::unique_ptr<data::Tokenizer> tokenizer;  // with the recorded lower-casing applied
  data::LabelMap labels;
  Preprocessing preprocessing;
  // What a user should know about how the dir is read (a plain Hugging Face dir without attune.json is
  // scored with defaults); the tools print them.
  std::vector<std::string> notes;
};

// Throws InputError naming the dir and what it expected (config.json + model.safetensors, or
// adapter_config.json + adapter_model.safetensors) when it is neither; when it is an export still being
// written or replaced (a `.partial` or `.old` dir beside the real one); or when one of its files is
// empty (a copy cut short).
LoadedModel load_model_dir(const std::filesystem::path& dir);

// How every tool scores with a loaded dir (predict, serve, evaluate, bench): the tokenizer's pad id and
// attune.json's calibration temperature, with the caller's batch size and precision.
InferenceSettings inference_settings(const LoadedModel& model, int64_t batch_size, bool bf16);

}  // namespace attune::inference
