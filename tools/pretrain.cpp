// pretrain: masked-language-model pretraining (trainer/pretrain.h) from one YAML config, and the explicit
// build of attune's embedded backbones (trainer/embedded.h).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "base/errors.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/launch_ranks.h"
#include "tools/cli/omp_wait.h"
#include "tools/cli/onednn_cache.h"
#include "trainer/config.h"
#include "trainer/distributed.h"
#include "trainer/embedded.h"
#include "trainer/pretrain/pretrain.h"

namespace attune::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFooter =
    R"(CONFIG: train's sections (model, training; see train --help) plus `pretrain`:
  model     random_init {model_type, hidden_size, num_hidden_layers, ...} to pretrain from scratch,
            or name_or_path to continue a Hugging Face checkpoint on your own text (domain-adaptive
            pretraining); max_length, num_threads
  training  seed, num_train_epochs, max_steps, per_device_train_batch_size, learning_rate,
            weight_decay, lr_scheduler_type, warmup_ratio, max_grad_norm, bf16, logging_steps, ...
  pretrain  mlm_probability (0.15: of those 80% [MASK], 10% random, 10% kept), save_dir,
            save_dtype (fp32|bf16),
            corpus {generated_rows, seed, text_files: [one example per line],
                    benign_world_repeats (the benign world's train packages, N times; 0 = none),
                    heldout_fraction},
            tokenizer {train: none|bpe|unigram, vocab_size, min_frequency}

Writes save_dir as a Hugging Face dir (RobertaForMaskedLM / DebertaV2ForMaskedLM / BertForMaskedLM with
its MLM head, tokenizer files) plus pretraining.json (corpus, loss curve, held-out masked accuracy).

  pretrain --config configs/embedded/roberta-compact.yaml --output runs/pretrain-roberta
  pretrain --embedded roberta-compact      (check the shipped embedded backbone; build it if stale)
  pretrain --embedded roberta-compact --rebuild   (build it again from configs/embedded/)

Exit status: 0 done, 2 bad usage or bad input, 1 other failure.)";

}  // namespace

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  // Masked-LM steps vary their GEMM shapes: keep oneDNN's primitive cache small (tools/cli/onednn_cache.h).
  cli::bound_onednn_primitive_cache(cli::kPretrainPrimitiveCacheCapacity);
  CLI::App app{
      "Pretrain a transformer encoder with the masked-language-model objective: from scratch with its own\n"
      "tokenizer, or continuing a Hugging Face checkpoint on your own logs.",
      "pretrain"};
  std::string config_path, embedded, output;
  std::vector<std::string> sets;
  bool resume = false, rebuild = false;
  auto* config_opt = app.add_option("--config", config_path, "the YAML pretrain config (see CONFIG below)");
  auto* embedded_opt =
      app.add_option("--embedded", embedded,
                     "build (or show) an embedded backbone: roberta-compact or deberta-v3-compact")
          ->check(CLI::IsMember(trainer::embedded_backbone_names()));
  config_opt->excludes(embedded_opt);
  app.add_option("--set", sets, "override one key, KEY.PATH=VALUE; repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--output", output, "the output dir (training.output_dir; default runs/<config stem>)");
  app.add_flag("--resume", resume, "continue from the newest checkpoint in the output dir");
  app.add_flag("--rebuild", rebuild, "with --embedded: discard the cached backbone and build it again");
  int nproc = 1;
  app.add_option("--nproc-per-node", nproc,
                 "with --config: data-parallel ranks on this machine (as train's; torchrun's variables "
                 "run ranks on several machines)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.footer(kFooter);
  parse(app, argc, argv);
  const auto env = trainer::distributed_env_from_environment();
  if (!embedded.empty() && (nproc > 1 || env.active()))
    throw InputError(
        "pretrain --embedded builds a backbone bit for bit on one process: run it without "
        "--nproc-per-node or WORLD_SIZE (use --config for a data-parallel pretraining run)");
  if (nproc > 1) return launch_local_ranks(argv_without(argc, argv, "--nproc-per-node"), nproc, "pretrain");
  if (!env.is_main()) std::cout.rdbuf(nullptr);  // rank 0 speaks for the run

  if (!embedded.empty()) {
    const auto b = trainer::ensure_embedded_backbone(embedded, rebuild);
    std::cout << b.name << ": " << b.dir.string() << " (weights sha256 " << b.sha256 << ")"
              << (b.built_now ? "" : ", already built") << "\n";
    return 0;
  }
  if (config_path.empty())
    throw InputError("pretrain: expected --config FILE or --embedded NAME (see --help)");
  std::vector<trainer::Override> overrides;
  for (const auto& s : sets) overrides.push_back(trainer::parse_override(s));
  if (!output.empty())
    overrides.push_back({"training.output_dir", output, /*literal=*/true, "--output " + output});
  if (resume) overrides.push_back({"training.resume_from_checkpoint", "true", /*literal=*/false, "--resume"});
  const trainer::Config config = trainer::load_config(config_path, overrides);
  if (!config.pretrain)
    throw InputError(config_path +
                     ": expected a `pretrain` section (this looks like a train config; use train)");
  trainer::check_input_files(config);
  fs::create_directories(config.training.output_dir);
  if (env.is_main())
    trainer::write_resolved_config(config, fs::path(config.training.output_dir) / "resolved_config.yaml");
  trainer::run_pretraining(config);
  return 0;
}

}  // namespace attune::cli
