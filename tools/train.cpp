// train: the whole run from one YAML config. This front end reads and validates the config completely
// (keys, types, ranges, required keys, the files it names), starts the data-parallel ranks the command
// line or the config asks for, prints a one-line summary, and hands the config to the run (trainer/run.h),
// which writes the resolved config into the output dir once it takes the dir over.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/cpus.h"
#include "base/errors.h"
#include "base/strings.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/launch_ranks.h"
#include "tools/cli/omp_wait.h"
#include "trainer/config.h"
#include "trainer/config_schema.h"
#include "trainer/distributed.h"
#include "trainer/run.h"

namespace attune::cli {
namespace {

namespace fs = std::filesystem;
using trainer::Config;

// The --help text after the options: what the config holds.
constexpr const char* kConfigHelp =
    R"(CONFIG (YAML; Hugging Face key names; every key but the required ones has a default):
  model     type (transformer|tfidf_logreg|lstm; default transformer: the classic baselines fit
            their own tokenizer and weights from scratch: tfidf_logreg {ngram_max, min_df,
            max_features, C: [grid], cv_folds, max_iter, tol}, lstm {num_words, oov_token,
            embedding_dim, units, dropout}, trained by the loop with peft.method full),
            name_or_path (required for transformers: a HF model dir or a hub name in the HF cache),
            fallback (none|embedded), max_length, num_threads, tokenizer (a tokenizer dir),
            random_init {model_type, hidden_size, num_hidden_layers, num_attention_heads,
            intermediate_size, ...}: a small random encoder for tests and benchmarks only
  data      train_file, validation_file, test_file (CSV with a header; required unless generate
            or split), generate {preset: binary|discovery4|4class|ctf, seed, holdout_templates, out_dir},
            split {file: one labeled CSV, train, validation, test (fractions, default 0.8/0.1/0.1),
            seed, out_dir}, group_rare {min_count, label: Z999} (labels with fewer observations than
            min_count merged before the split; needs split),
            text_column, label_column, count_column, labels (fixes the label order), lowercase,
            stress_file (an extra evaluation set), benign_label (default Benign)
  peft      method (lora|bitfit|full|head), r, lora_alpha, lora_dropout, target_modules and
            exclude_modules (a list of names or one regex), modules_to_save, bias, use_rslora
  training  output_dir, seed, num_train_epochs, max_steps, per_device_train_batch_size,
            per_device_eval_batch_size, learning_rate, weight_decay, adam_beta1/2, adam_epsilon,
            lr_scheduler_type, warmup_ratio, warmup_steps, max_grad_norm,
            gradient_accumulation_steps, bf16, eval_strategy, eval_steps, logging_steps,
            early_stopping_patience, early_stopping_threshold, metric_for_best_model,
            greater_is_better, load_best_model_at_end, class_weights, use_sample_weights,
            length_bucketing, save_strategy, save_steps (a checkpoint every N optimizer steps too;
            --resume continues inside the epoch), resume_from_checkpoint, nproc_per_node (ranks on
            this machine when --nproc-per-node is not given; 0 = one per CPU, at most one per row of
            a batch; default 1)
  export    merged, adapter, dtype (fp32|bf16), dir, max_benign_fpr (an operating point: at most
            this share of benign validation rows flagged; null = argmax)

Relative paths are taken from the current directory (run from the repository root).
Once the data and model are built, the output dir receives resolved_config.yaml: every key after
--set and defaults; rerun it with --config. A run that stops before (bad input) changes nothing there.
Examples: configs/*.yaml.

  train --config configs/roberta_lora_4class.yaml
  train --config configs/tiny_lora.yaml --set training.max_steps=10 --output /tmp/tiny

Data-parallel: --nproc-per-node N (or training.nproc_per_node) runs N ranks on this machine, each on
cores / N threads (0: one rank per CPU); on several machines start one process per
rank with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
as torchrun --nnodes M --nproc-per-node N would. Each rank takes its share of every batch (the config's
batch is the global one); rank 0 evaluates, logs, checkpoints, reports and exports.

Exit status: 0 done, 2 bad usage or bad input (one line naming the file, line or key), 1 other failure.)";

// One line: model + method, data, schedule, output.
std::string summary(const Config& c) {
  using trainer::schema::format_number;
  std::string model = c.model.name_or_path;
  if (const auto& ri = c.model.random_init)
    model = "random-init " + ri->model_type + " (hidden " + std::to_string(ri->hidden_size) + ", " +
            std::to_string(ri->num_hidden_layers) + " layers)";
  std::string method = c.peft.method;
  if (method == "lora") {
    method += " r=" + std::to_string(c.peft.r) + " alpha=" + format_number(c.peft.lora_alpha);
    if (c.peft.target_modules.regex)
      method += " on /" + *c.peft.target_modules.regex + "/";
    else if (!c.peft.target_modules.names.empty())
      method += " on " + join(c.peft.target_modules.names, ",");
  }
  const std::string data = c.data.generate ? "generated " + c.data.generate->preset + " (seed " +
                                                 std::to_string(c.data.generate->seed) + ")"
                                           : c.data.train_file;
  const auto& t = c.training;
  if (c.model.type == "tfidf_logreg") {
    const auto& lr = *c.model.tfidf_logreg;
    std::string grid;
    for (const double v : lr.C) grid += (grid.empty() ? "" : ",") + format_number(v);
    return "train: tfidf_logreg (1.." + std::to_string(lr.ngram_max) +
           "-grams, L2 logistic regression, C in {" + grid + "}" +
           (lr.C.size() > 1 ? ", " + std::to_string(lr.cv_folds) + "-fold CV" : "") + ") | data " + data +
           " | -> " + t.output_dir;
  }
  if (c.model.type == "lstm") {
    const auto& l = *c.model.lstm;
    model = "lstm (embedding " + std::to_string(l.embedding_dim) + ", " + std::to_string(l.units) +
            " units, dropout " + format_number(l.dropout) + ", " + std::to_string(c.model.max_length) +
            " words)";
  }
  const std::string length = t.max_steps > 0 ? std::to_string(t.max_steps) + " steps"
                                             : format_number(t.num_train_epochs) + " epochs";
  return "train: " + model + " + " + method + " | data " + data + " | " + length + " x batch " +
         std::to_string(t.per_device_train_batch_size) + ", lr " + format_number(t.learning_rate) + " " +
         t.lr_scheduler_type + (t.bf16 ? ", bf16" : "") + " | -> " + t.output_dir;
}

}  // namespace

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  CLI::App app{
      "Fine-tune a transformer encoder (RoBERTa, DeBERTa-v3, BERT) with LoRA or BitFit, or fit a\n"
      "TF-IDF + logistic-regression or LSTM baseline, to classify command lines into MITRE ATT&CK\n"
      "techniques: data, training, test report and export, from one YAML config.",
      "train"};
  std::string config_path;
  std::vector<std::string> sets;
  std::string output;
  bool resume = false;
  int nproc = 0;
  app.add_option("--config", config_path, "the YAML experiment config (see CONFIG below)")->required();
  app.add_option("--set", sets,
                 "override one key, KEY.PATH=VALUE (VALUE read as YAML: 1e-4, true, [query, value]); "
                 "repeatable, applied in order after the file")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--output", output, "the output dir (training.output_dir; default runs/<config stem>)");
  app.add_flag("--resume", resume, "continue from the newest checkpoint in the output dir");
  auto* nproc_option =
      app.add_option("--nproc-per-node", nproc,
                     "data-parallel ranks to run on this machine (each with cores / N threads; "
                     "0: one per CPU; default: the config's training.nproc_per_node; see below)")
          ->check(CLI::Range(0, 256));
  app.footer(kConfigHelp);
  parse(app, argc, argv);
  if (nproc_option->count() > 0 && nproc > 1)
    return launch_local_ranks(argv_without(argc, argv, "--nproc-per-node"), nproc, "train");
  // Ranks other than 0 run quietly: rank 0 speaks for the run (errors still reach stderr).
  const auto env = trainer::distributed_env_from_environment();
  if (!env.is_main()) std::cout.rdbuf(nullptr);

  std::vector<trainer::Override> overrides;
  for (const auto& s : sets) overrides.push_back(trainer::parse_override(s));
  if (!output.empty())
    overrides.push_back({"training.output_dir", output, /*literal=*/true, "--output " + output});
  if (resume) overrides.push_back({"training.resume_from_checkpoint", "true", /*literal=*/false, "--resume"});

  const Config config = trainer::load_config(config_path, overrides);
  trainer::check_input_files(config);
  // The config's ranks (or --nproc-per-node 0), unless the command line or torchrun's environment decided
  // already. One rank per CPU, but no more ranks than rows in a batch: each rank takes its share of one.
  if ((nproc_option->count() == 0 || nproc == 0) && !env.active()) {
    const int64_t wanted = nproc_option->count() > 0 ? 0 : config.training.nproc_per_node;
    const int ranks = wanted > 0 ? static_cast<int>(wanted)
                                 : static_cast<int>(std::min<int64_t>(
                                       available_cpus(), config.training.per_device_train_batch_size));
    if (ranks > 1) {
      std::cout << "train: " << ranks << " data-parallel ranks on this machine ("
                << (nproc_option->count() > 0 ? std::string("--nproc-per-node 0")
                                              : "training.nproc_per_node " + std::to_string(wanted))
                << ")" << std::endl;
      return launch_local_ranks(argv_without(argc, argv, "--nproc-per-node"), ranks, "train");
    }
  }

  const fs::path out_dir = config.training.output_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    throw InputError(config.where("training.output_dir") + ": training.output_dir: cannot create '" +
                     out_dir.string() + "' (" + (ec ? ec.message() : "not a directory") + ")");
  std::cout << summary(config) << std::endl;

  trainer::run_training(config);
  return 0;
}

}  // namespace attune::cli
