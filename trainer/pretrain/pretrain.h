// `pretrain`'s whole job: masked-language-model pretraining of an encoder, from scratch (model.random_init,
// with a tokenizer trained on the corpus) or continuing a HF checkpoint (domain-adaptive pretraining on a
// user's own text). The same AdamW, schedule, bf16 autocast, progress bar, metrics.jsonl and per-epoch
// checkpoints as `train`; held-out masked-token accuracy each epoch. Ends with a Hugging Face dir
// (*ForMaskedLM: config.json, model.safetensors with the MLM head, tokenizer files) and pretraining.json,
// the record of what went in and how it went.
#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "trainer/config.h"

namespace attune::trainer {

struct PretrainOutcome {
  std::filesystem::path save_dir;
  int64_t global_step = 0;
  int64_t epochs_completed = 0;
  double train_seconds = 0;
  double heldout_loss = 0;
  double heldout_masked_accuracy = 0;
  nlohmann::json record;  // what pretraining.json holds
};

// Runs the pretraining a validated config with a `pretrain` section describes. InputError for bad
// input (no pretrain section, unreadable text files, a tokenizer without a mask token, ...).
PretrainOutcome run_pretraining(const Config& config);

}  // namespace attune::trainer
