// `train`'s whole run: backbone, tokenizer, data, PEFT, the training loop, export, and the test report.
// The pieces that rebuild a run's model (backbone, tokenizer, PEFT) are shared with `export`, so both
// build the very same model from one config.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tokenizers/tokenizer.h"
#include "inference/export_dir.h"
#include "models/encoder.h"
#include "models/hf_config.h"
#include "peft/lora.h"
#include "trainer/config.h"

namespace attune::trainer {

// The backbone a run starts from: a checkpoint dir, or a random-init encoder (tests and benchmarks).
struct Backbone {
  std::string name;
  std::filesystem::path dir;  // empty for random init
  std::string how;            // directory | hf-cache | project | random-init
  std::filesystem::path tokenizer_dir;
  std::string sha256;  // of the weights file; "" for random init
  nlohmann::json to_json() const;
  // "roberta-compact (embedded (fallback for roberta-base), models/embedded/roberta-compact, weights sha256
  // …)"
  std::string describe() const;
};

// Finds model.name_or_path (or takes model.random_init). When it is not on this machine and
// model.fallback is embedded, says so in one line and uses (building it first if needed) the embedded
// backbone of the same family. InputError naming the key when it is not found and may not fall back.
Backbone resolve_backbone(const Config& config);

// The backbone's tokenizer with data.lowercase applied.
std::unique_ptr<data::Tokenizer> load_run_tokenizer(const Config& config, const Backbone& backbone);

// The model a run trains, PEFT applied.
struct RunModel {
  std::shared_ptr<models::SequenceClassifier> model;
  std::optional<peft::LoraInfo> lora;              // peft.method lora
  std::optional<models::HFConfig> random_init_hf;  // the config a random-init backbone was built from
};

// Builds the backbone (loaded, or random-init seeded by training.seed), sets `labels`, checks max_length
// against the position embeddings and applies peft.method (LoRA's init seeded by training.seed). The
// same config always gives the same weights. `verbose` prints the load report and the trainable summary.
RunModel build_model_for_config(const Config& config, const Backbone& backbone,
                                const data::Tokenizer& tokenizer, const std::vector<std::string>& labels,
                                bool verbose);

// Writes the export dirs of a trained RunModel: `<dir>/adapter` (LoRA, when `adapter`) and `<dir>/merged`
// (when `merged`; merges LoRA into the model, which is plain afterwards). A random-init backbone's adapter
// needs its base on disk: it is written to `<dir>/base` and the adapter names it by absolute path, as
// `<final_dir>/base` when the dirs are staged in `dir` to be moved to `final_dir` (publish_export).
void export_run_model(const Config& config, const Backbone& backbone, RunModel& built,
                      const inference::Preprocessing& pre, const std::filesystem::path& dir, bool merged,
                      bool adapter, torch::ScalarType dtype, const std::filesystem::path& final_dir = {});

// Exports are assembled whole (weights, tokenizer, attune.json with the calibration, model card) in
// `<dir>.partial` and then moved into `dir` one export dir at a time (base, adapter, merged), each by
// replace_dir: a kill leaves every export dir either the previous whole one or the new whole one.
std::filesystem::path export_staging_dir(const std::filesystem::path& dir);
void publish_export(const std::filesystem::path& staging, const std::filesystem::path& dir);

// The preprocessing record of a run's export dirs.
inference::Preprocessing run_preprocessing(const Config& config, const Backbone& backbone,
                                           const std::vector<std::string>& labels);

// Runs the experiment a validated config describes. Writes into training.output_dir: metrics.jsonl,
// the checkpoint, test_report.{json,txt} (and stress_report.* with data.stress_file), run_summary.json,
// and the export dirs. InputError for bad input, std::runtime_error for anything else.
// A kill at any moment leaves each of them whole (the previous one or the new one): the run first cleans
// what a killed run left (clean_after_kill, staged exports, temporary files). The run takes the dir over
// once its data and model are built (a resumed run: once its checkpoint matches the config and backbone):
// a fresh run then removes the previous run's checkpoint and reports, so that none of them is taken for
// this run's, and writes resolved_config.yaml. A run that fails before that changes nothing there, so an
// earlier run's resolved_config.yaml keeps matching its checkpoint (`export --run` and --resume need both).
void run_training(const Config& config);

// `export`: rebuilds the model of the run in `run_dir` from its resolved_config.yaml, loads the best
// trainable weights of its checkpoint (best.safetensors, else the last trainable.safetensors) and writes
// `<out>/merged` and/or `<out>/adapter` (see export_run_model, publish_export). InputError naming the file
// when the run dir lacks what it needs, its checkpoint is damaged, or the checkpoint's recorded config or
// backbone differs from resolved_config.yaml (a run dir whose config was overwritten).
void export_from_run(const std::filesystem::path& run_dir, const std::filesystem::path& out, bool merged,
                     bool adapter, torch::ScalarType dtype);

}  // namespace attune::trainer
