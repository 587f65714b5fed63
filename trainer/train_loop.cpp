#include "trainer/train_loop.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "base/progress.h"
#include "base/strings.h"
#include "inference/evaluation.h"
#include "models/autocast.h"
#include "models/batch_tensors.h"
#include "models/loss.h"
#include "trainer/checkpoint.h"
#include "trainer/distributed.h"
#include "trainer/metrics_log.h"
#include "trainer/optimizer.h"
#include "trainer/schedule.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {

using Snapshot = std::vector<std::pair<std::string, torch::Tensor>>;
using Clock = std::chrono::steady_clock;

// Per-row weight of the loss: the row's sample weight (count column) times its class weight.
torch::Tensor loss_weights(const data::Batch& batch, const std::vector<double>& class_w,
                           bool use_sample_weights) {
  std::vector<float> w(batch.rows.size(), 1.0f);
  for (size_t i = 0; i < w.size(); ++i) {
    if (use_sample_weights) w[i] = batch.weights[i];
    if (!class_w.empty()) w[i] *= static_cast<float>(class_w[static_cast<size_t>(batch.labels[i])]);
  }
  return torch::tensor(w, torch::kFloat32);
}

bool all_ones(const std::vector<float>& w) {
  for (float v : w)
    if (v != 1.0f) return false;
  return true;
}

struct Run {
  Run(models::SequenceClassifier& m, const Dataset& d, const Config& config, int64_t pad, ProcessGroup* g)
      : model(m),
        dataset(d),
        cfg(config.training),
        output_dir(config.training.output_dir),
        metrics_file(output_dir / "metrics.jsonl"),
        pad_id(pad),
        class_w(class_weights(config, d.train, d.labels.size())),
        use_sample_weights(config.training.use_sample_weights),
        group(g),
        main(g == nullptr || g->env().is_main()) {}
  models::SequenceClassifier& model;
  const Dataset& dataset;
  const TrainingConfig& cfg;
  fs::path output_dir;
  fs::path metrics_file;
  int64_t pad_id;
  std::vector<double> class_w;
  bool use_sample_weights;
  ProcessGroup* group;                // null: the only process
  bool main;                          // evaluates, logs, checkpoints (rank 0, or the only process)
  std::vector<torch::Tensor> params;  // what the optimizer updates
  std::unique_ptr<torch::optim::AdamW> optimizer;
  LrSchedule schedule;
  int64_t steps_per_epoch = 0;
  int64_t num_epochs = 0;  // epochs to start (the last may end early at total_steps)
  TrainerState state;
  Snapshot best;
  inference::EvalResult best_eval;
  bool stop = false;
};

// Validation pass: metrics line, early stopping, best weights.
void evaluate_phase(Run& run, int64_t epoch) {
  inference::InferenceSettings s{run.cfg.per_device_eval_batch_size, run.pad_id, run.cfg.bf16};
  const auto result =
      inference::evaluate(run.model, run.dataset.validation.rows, run.dataset.labels.labels(), s);
  const double value = inference::metric_value(result, run.cfg.metric_for_best_model);
  const bool improved = run.state.early_stopping.update(value, run.state.global_step, epoch);
  if (improved) {
    run.best = trainable_snapshot(run.model);
    run.best_eval = result;
  }
  const auto& m = result.metrics;
  append_metrics_line(run.metrics_file, {{"step", run.state.global_step},
                                         {"epoch", epoch},
                                         {"eval_loss", result.loss},
                                         {"eval_accuracy", m.accuracy},
                                         {"eval_f1_macro", m.macro_avg.f1},
                                         {"eval_f1_weighted", m.weighted_avg.f1},
                                         {"eval_samples_per_second", result.samples_per_second},
                                         {"best", improved}});
  std::cerr << "eval epoch " << epoch << " step " << run.state.global_step << ": loss "
            << format_significant(result.loss) << ", accuracy " << format_significant(m.accuracy)
            << ", f1_macro " << format_significant(m.macro_avg.f1) << " (" << run.cfg.metric_for_best_model
            << (improved ? ", new best)" : ", no improvement)") << "\n";
  // Patience running out at the last evaluation stops nothing: the run ends there anyway.
  if (run.state.early_stopping.should_stop() && run.state.global_step < run.schedule.total_steps) {
    std::cerr << "early stopping: " << run.cfg.metric_for_best_model << " did not improve by more than "
              << run.cfg.early_stopping_threshold << " for " << run.cfg.early_stopping_patience
              << " evaluations\n";
    run.stop = true;
  }
}

void save(Run& run) {
  if (run.main) save_checkpoint(run.output_dir, run.model, *run.optimizer, run.state, run.best);
}

// Evaluation on the main rank; every rank learns whether to stop.
void evaluate_and_agree(Run& run, int64_t epoch) {
  if (run.main) evaluate_phase(run, epoch);
  if (run.group) run.stop = run.group->broadcast_flag(run.stop);
}

// The loss weights of a batch's rows (sample weights times class weights); undefined where every row
// weighs 1.
torch::Tensor batch_loss_weights(const Run& run, const data::Batch& batch) {
  const bool weighted = !run.class_w.empty() || (run.use_sample_weights && !all_ones(batch.weights));
  return weighted ? loss_weights(batch, run.class_w, run.use_sample_weights) : torch::Tensor();
}

std::runtime_error diverged(const Run& run, double loss, int64_t epoch) {
  return std::runtime_error("training diverged: the loss is " + format_significant(loss) + " at step " +
                            std::to_string(run.state.global_step) + " (epoch " + std::to_string(epoch) +
                            "); the last good checkpoint is in " + (run.output_dir / "checkpoint").string() +
                            "; try a lower training.learning_rate");
}

// Forward and backward of a batch on the only process; its loss (checked before the backward pass).
double batch_forward_backward(Run& run, const data::Batch& batch, int64_t accum, int64_t epoch) {
  const auto t = models::to_tensors(batch);
  torch::Tensor logits;  // [B, C]
  {
    models::CpuAutocast autocast(run.cfg.bf16);
    logits = run.model.forward(t.input_ids, t.attention_mask).logits;
  }
  const auto loss = models::classification_loss(logits, t.labels, batch_loss_weights(run, batch));
  const double loss_value = loss.item<double>();
  if (!std::isfinite(loss_value)) throw diverged(run, loss_value, epoch);
  (accum > 1 ? loss / static_cast<double>(accum) : loss).backward();
  return loss_value;
}

// This rank's part of the loss of a global batch, forward and backward: the loss of its rows scaled by their
// share of the batch's weight, so that the sum over ranks is the batch's loss (and its gradient). Returns
// that part's value (0 for a rank without rows).
double shard_forward_backward(Run& run, const data::Batch& batch, int64_t accum) {
  const auto [first, count] = run.group->env().shard(batch.batch_size);
  if (count == 0) return 0.0;
  const auto t = models::to_tensors(batch);
  const auto weights = batch_loss_weights(run, batch);
  const bool weighted = weights.defined();
  const auto all_w = weighted ? weights : torch::ones({batch.batch_size}, torch::kFloat32);
  const auto w = all_w.narrow(0, first, count);
  torch::Tensor logits;
  {
    models::CpuAutocast autocast(run.cfg.bf16);
    logits = run.model.forward(t.input_ids.narrow(0, first, count), t.attention_mask.narrow(0, first, count))
                 .logits;
  }
  const double share = w.sum().item<double>() / std::max(1e-30, all_w.sum().item<double>());
  const auto loss =
      models::classification_loss(logits, t.labels.narrow(0, first, count), weighted ? w : torch::Tensor()) *
      share;
  (accum > 1 ? loss / static_cast<double>(accum) : loss).backward();
  return loss.item<double>();
}

// One pass over the training batches of `epoch` (1-based), stopping at total_steps; a run resumed inside
// the epoch starts at the checkpoint's batch. With save_steps, checkpoints every save_steps optimizer steps.
void train_epoch(Run& run, int64_t epoch, ProgressBar& bar) {
  const auto& train = run.dataset.train.rows;
  const auto plan = data::plan_train_batches(data::row_lengths(train), run.cfg.per_device_train_batch_size,
                                             static_cast<uint64_t>(run.cfg.seed), epoch - 1,
                                             run.cfg.length_bucketing ? data::kDefaultBucketBatches : 1);
  const int64_t start = std::min<int64_t>(run.state.epoch_batches, static_cast<int64_t>(plan.size()));
  data::BatchStream stream(train, plan, run.pad_id, static_cast<size_t>(start));
  const int64_t accum = run.cfg.gradient_accumulation_steps;
  run.model.train();
  run.optimizer->zero_grad();
  int64_t micro = start, window_rows = 0;
  double window_loss = 0;
  int64_t window_batches = 0;
  if (start > 0 && !run.state.window.empty()) {  // the sums since the last metrics line, as saved
    window_loss = run.state.window.value("loss", 0.0);
    window_batches = run.state.window.value("batches", int64_t{0});
    window_rows = run.state.window.value("rows", int64_t{0});
  }
  if (run.group) seed_rank_dropout(run.group->env(), static_cast<uint64_t>(run.cfg.seed), epoch);
  double pending_loss = 0;  // distributed: this rank's loss since the last step
  auto window_start = Clock::now();
  const auto epoch_start = Clock::now();
  const double seconds_before = run.state.train_seconds;
  const bool save_steps = run.cfg.save_strategy == "epoch" && run.cfg.save_steps > 0;
  while (!stream.done() && run.state.global_step < run.schedule.total_steps) {
    const auto batch = stream.next();
    if (run.group)
      pending_loss += shard_forward_backward(run, batch, accum);
    else
      window_loss += batch_forward_backward(run, batch, accum, epoch);
    window_batches += 1;
    window_rows += batch.batch_size;
    run.state.train_samples += batch.batch_size;
    if (++micro % accum != 0 && !stream.done()) continue;
    if (run.group) {  // the step's loss, summed across ranks with the gradients
      const double step_loss = run.group->sum_gradients(run.params, {pending_loss})[0];
      if (!std::isfinite(step_loss)) throw diverged(run, step_loss, epoch);
      window_loss += step_loss;
      pending_loss = 0;
    }

    // One optimizer step.
    set_learning_rate(*run.optimizer, run.cfg.learning_rate, run.schedule.multiplier(run.state.global_step));
    const double lr = learning_rate(*run.optimizer);
    const double grad_norm = clip_gradients(run.params, run.cfg.max_grad_norm);
    run.optimizer->step();
    run.optimizer->zero_grad();
    run.state.global_step += 1;

    const double rate = window_rows / std::max(1e-9, seconds_since(window_start));
    bar.update(run.state.global_step, {{"epoch", std::to_string(epoch)},
                                       {"loss", format_significant(window_loss / window_batches)},
                                       {"lr", format_significant(lr, 3)},
                                       {"samples/s", format_significant(rate, 3)}});
    if (run.state.global_step % run.cfg.logging_steps == 0) {
      if (run.main)
        append_metrics_line(run.metrics_file,
                            {{"step", run.state.global_step},
                             {"epoch", epoch - 1 + static_cast<double>(stream.position()) / stream.size()},
                             {"loss", window_loss / window_batches},
                             {"learning_rate", lr},
                             {"grad_norm", grad_norm},
                             {"train_samples_per_second", rate}});
      window_loss = 0, window_batches = 0, window_rows = 0, window_start = Clock::now();
    }
    if (run.cfg.eval_strategy == "steps" && run.state.global_step % run.cfg.eval_steps == 0) {
      const auto eval_start = Clock::now();
      evaluate_and_agree(run, epoch);
      window_start += Clock::now() - eval_start;  // the progress bar's samples/s counts training only
      run.model.train();
      if (run.stop) break;
    }
    if (save_steps && run.state.global_step % run.cfg.save_steps == 0) {
      run.state.epoch_batches = static_cast<int64_t>(stream.position());
      run.state.window = {{"loss", window_loss}, {"batches", window_batches}, {"rows", window_rows}};
      run.state.train_seconds = seconds_before + seconds_since(epoch_start);
      save(run);
    }
  }
  run.state.train_seconds = seconds_before + seconds_since(epoch_start);
  run.state.epoch_batches = 0;
  run.state.window = nlohmann::json::object();
}

}  // namespace

LoopOutcome train_loop(models::SequenceClassifier& model, const Dataset& dataset, const Config& config,
                       int64_t pad_id, const std::string& backbone_sha256, ProcessGroup* group) {
  const auto& cfg = config.training;
  if (group != nullptr && !group->env().active()) group = nullptr;
  Run run(model, dataset, config, pad_id, group);

  // Optimizer and schedule.
  const auto groups = split_decay_groups(model);
  run.params = groups.all();
  // Every rank starts from rank 0's weights (built from the same seed on each; this makes it certain).
  if (run.group) run.group->broadcast(run.params, 0);
  run.optimizer = make_adamw(
      groups, {cfg.learning_rate, cfg.weight_decay, cfg.adam_beta1, cfg.adam_beta2, cfg.adam_epsilon});
  const int64_t batches = static_cast<int64_t>(data::plan_train_batches(data::row_lengths(dataset.train.rows),
                                                                        cfg.per_device_train_batch_size,
                                                                        static_cast<uint64_t>(cfg.seed), 0)
                                                   .size());
  run.steps_per_epoch =
      std::max<int64_t>(1, (batches + cfg.gradient_accumulation_steps - 1) / cfg.gradient_accumulation_steps);
  const int64_t total_steps =
      cfg.max_steps > 0 ? cfg.max_steps
                        : static_cast<int64_t>(std::ceil(cfg.num_train_epochs * run.steps_per_epoch));
  run.num_epochs = (total_steps + run.steps_per_epoch - 1) / run.steps_per_epoch;
  run.schedule = {parse_schedule_kind(cfg.lr_scheduler_type),
                  resolve_warmup_steps(cfg.warmup_steps, cfg.warmup_ratio, total_steps), total_steps};
  run.state.early_stopping =
      EarlyStopping(cfg.metric_for_best_model, cfg.early_stopping_patience, cfg.early_stopping_threshold);
  // training.greater_is_better: inferred from the metric unless the config gives it (config.cpp resolves it).
  run.state.early_stopping.greater_is_better = cfg.greater_is_better;
  run.state.labels = dataset.labels.labels();
  // What a resume must match: the config, the tokenized train and validation rows, the backbone.
  const nlohmann::json fingerprint = run_fingerprint(
      config,
      {{"train", rows_fingerprint(dataset.train.rows, dataset.train.file.string())},
       {"validation", rows_fingerprint(dataset.validation.rows, dataset.validation.file.string())}},
      backbone_sha256);
  run.state.fingerprint = fingerprint;

  LoopOutcome outcome;
  fs::create_directories(run.output_dir);
  if (!cfg.resume_from_checkpoint.empty()) {
    const auto dir = resolve_resume_checkpoint(cfg.resume_from_checkpoint, run.output_dir);
    {
      // Labels first: a clearer message than the head's shape.
      const TrainerState recorded = read_trainer_state(dir);
      if (!recorded.labels.empty() && recorded.labels != dataset.labels.labels())
        throw InputError((dir / kTrainerStateFile).string() +
                         ": labels: the checkpoint was trained with other labels (" +
                         join(recorded.labels, ", ") + ") than this run's data (" +
                         join(dataset.labels.labels(), ", ") + ")");
    }
    run.best = load_checkpoint(dir, model, *run.optimizer, run.state, &fingerprint);
    run.state.labels = dataset.labels.labels();
    run.state.fingerprint = fingerprint;
    if (run.main) truncate_metrics_after(run.metrics_file, run.state.global_step);
    outcome.resumed = true;
    if (run.main)
      std::cerr << "resuming from " << dir.string() << " after epoch " << run.state.epochs_completed
                << (run.state.epoch_batches > 0
                        ? " and " + std::to_string(run.state.epoch_batches) + " batches of epoch " +
                              std::to_string(run.state.epochs_completed + 1)
                        : std::string())
                << " (step " << run.state.global_step << ")\n";
  } else if (run.main) {
    std::ofstream(run.metrics_file, std::ios::trunc);
  }

  std::ostream quiet(nullptr);  // ranks other than the main one draw no progress
  ProgressBar bar("train", total_steps, run.main ? std::cerr : quiet);
  bar.update(run.state.global_step);
  for (int64_t epoch = run.state.epochs_completed + 1; epoch <= run.num_epochs && !run.stop; ++epoch) {
    if (run.state.early_stopping.should_stop()) {
      // Resumed after early stopping had stopped the run (evaluate_phase's test).
      run.stop = run.state.global_step < run.schedule.total_steps;
      break;
    }
    train_epoch(run, epoch, bar);
    if (cfg.eval_strategy == "epoch" && !run.stop) evaluate_and_agree(run, epoch);
    run.state.epochs_completed = epoch;
    if (cfg.save_strategy == "epoch") save(run);
  }
  bar.finish();

  if (!run.main) {
    // The main rank decides the final weights (the best ones, restored); this rank takes them.
  } else if (run.best.empty() || run.best_eval.rows == 0) {
    // Resumed after the last epoch, or never evaluated: evaluate what we hold.
    if (!run.best.empty() && cfg.load_best_model_at_end) restore_snapshot(model, run.best, "best weights");
    inference::InferenceSettings s{cfg.per_device_eval_batch_size, pad_id, cfg.bf16};
    run.best_eval = inference::evaluate(model, dataset.validation.rows, dataset.labels.labels(), s);
  } else if (cfg.load_best_model_at_end) {
    restore_snapshot(model, run.best, "best weights");
    std::cerr << "restored the best weights (epoch " << run.state.early_stopping.best_epoch << ", "
              << cfg.metric_for_best_model << " " << format_significant(*run.state.early_stopping.best_metric)
              << ")\n";
  }
  if (run.group) run.group->broadcast(run.params, 0);  // every rank ends on the main rank's weights
  outcome.epochs_completed = run.state.epochs_completed;
  outcome.global_step = run.state.global_step;
  outcome.stopped_early = run.stop;
  outcome.train_seconds = run.state.train_seconds;
  outcome.train_samples_per_second =
      run.state.train_seconds > 0 ? run.state.train_samples / run.state.train_seconds : 0;
  outcome.best_eval = run.best_eval;
  outcome.best_metric = run.state.early_stopping.best_metric.value_or(0);
  outcome.best_epoch = run.state.early_stopping.best_epoch;
  return outcome;
}

}  // namespace attune::trainer
