// The training loop, read top to bottom (as nanoGPT's train.py): one function per phase — train one epoch,
// evaluate, save — and no callback framework. AdamW with decay groups, warmup + decay schedule, gradient
// accumulation and clipping, bf16 autocast, evaluation each epoch (or every eval_steps), early stopping
// with the best weights kept and restored, an atomic checkpoint per epoch (and every save_steps steps),
// metrics.jsonl, a progress bar.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "inference/metrics.h"
#include "models/encoder.h"
#include "trainer/config.h"
#include "trainer/dataset.h"

namespace attune::trainer {

class ProcessGroup;

struct LoopOutcome {
  int64_t epochs_completed = 0;
  int64_t global_step = 0;
  bool stopped_early = false;
  bool resumed = false;
  double train_seconds = 0;
  double train_samples_per_second = 0;
  inference::EvalResult best_eval;  // the validation result of the weights the model holds at the end
  double best_metric = 0;
  int64_t best_epoch = 0;
};

// Trains `model` (whatever requires_grad) on dataset.train, evaluating on dataset.validation.
// training.resume_from_checkpoint ("latest" or a dir, see resolve_resume_checkpoint) continues from a
// checkpoint: weights, optimizer, RNG and trainer state restored, metrics.jsonl cut back to its step, so
// the run ends exactly as the uninterrupted one would, also from a checkpoint inside an epoch
// (training.save_steps: each epoch's batch order is fixed by the seed and the epoch, so the loop starts at
// the saved batch). InputError when there is no checkpoint, or when it is damaged or of another run: other
// labels, config keys, tokenized data or backbone weights (`backbone_sha256`; see run_fingerprint).
//
// With `group` (a data-parallel run of several ranks, trainer/distributed.h) each rank trains on its slice
// of every global batch and the gradients are summed; the main rank alone evaluates, logs and checkpoints,
// and every rank ends on its weights. Only the main rank's outcome holds the evaluation.
LoopOutcome train_loop(models::SequenceClassifier& model, const Dataset& dataset, const Config& config,
                       int64_t pad_id, const std::string& backbone_sha256 = "",
                       ProcessGroup* group = nullptr);

}  // namespace attune::trainer
