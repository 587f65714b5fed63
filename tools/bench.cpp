// bench: speed and memory of a named workload on this machine — training and inference samples/s, achieved
// GFLOP/s against a bf16/fp32 GEMM peak measured in the same run, peak RSS, one-request latency — through
// the same model, PEFT, optimizer and autocast code that `train`, `predict` and `serve` run; and one request
// to an exported dir as `serve` answers it, stage by stage.
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <utility>

#include "base/errors.h"
#include "base/process_memory.h"
#include "bench/benchmark.h"
#include "bench/benchmark_run.h"
#include "data/batching.h"
#include "models/fast_paths.h"
#include "models/threads.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"

namespace attune::cli {

namespace {

void print_list() {
  for (const auto& w : bench::builtin_workloads())
    std::cout << std::left << std::setw(26) << w.name << " " << w.description << "\n";
}

std::vector<double> load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return {};
  std::vector<double> out;
  for (double v : load) out.push_back(std::round(v * 100) / 100);
  return out;
}

std::string batching_note(const bench::Workload& w, bool bucketed) {
  if (w.exported) return "one request of one text at a time, as serve answers it";
  if (w.pad_to > 0) return "every row padded to " + std::to_string(w.pad_to) + " tokens";
  return bucketed ? "bucketed (training: length buckets of " + std::to_string(data::kDefaultBucketBatches) +
                        " batches, shuffled; inference: length-sorted), each batch padded to its longest row"
                  : "random rows per batch (the reference's), each batch padded to its longest row";
}

// Which fast paths are off (models/fast_paths.h), for the output: what the figures measured.
std::string describe(const models::FastPaths& p) {
  std::string off;
  for (const auto& [on, name] : {std::pair{p.bf16_weight_cache, "bf16 weight cache (--no-weight-cache)"},
                                 std::pair{p.fused_linears, "fused Q/K/V (--no-fused-qkv)"},
                                 std::pair{p.packed_linears, "packed products (--no-packed)"},
                                 std::pair{p.fast_dropout, "fast dropout (--torch-dropout)"}})
    if (!on) off += (off.empty() ? "" : ", ") + std::string(name);
  return off.empty() ? "all on" : "off: " + off;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "Benchmark a named workload: training and inference samples/s, achieved GFLOP/s and its fraction of a\n"
      "bf16 and fp32 GEMM peak measured in the same run, peak RSS, and one-request latency (p50/p99).\n"
      "The exported-request workloads time one request of --text to the exported dir given with --model as\n"
      "serve answers it: the latency percentiles and each stage's median (request JSON, tokenize, forward,\n"
      "answer JSON).\n"
      "One line per figure (--json: one JSON object). The workloads mirror the Hugging Face + PEFT "
      "reference\n"
      "in ../shared/reference/ (batch 32 training, 64 inference); `bench --list` names them.",
      "bench"};
  std::string workload_name = "roberta-lora-bf16", phases, omp_wait = "auto", batching = "bucketed";
  bool list = false, json = false, no_weight_cache = false, no_fused_qkv = false, no_packed = false,
       torch_dropout = false, reference_path = false;
  int threads = 0;
  bench::BenchSettings s;
  app.add_option("workload", workload_name, "workload name (see --list)")->capture_default_str();
  app.add_flag("--list", list, "list the workloads and exit");
  app.add_flag("--json", json, "print one JSON object instead of lines");
  app.add_option("--model", s.model_dir,
                 "a Hugging Face model dir to bench instead of the workload's random-init architecture "
                 "(e.g. the embedded backbone under models/embedded/); for exported-request, the exported "
                 "dir (merged or adapter)");
  auto* text_opt = app.add_option("--text", s.request_text, "exported-request: the text of the timed request")
                       ->capture_default_str();
  app.add_option("--tokenizer", s.tokenizer_dir,
                 "tokenizer dir for the 4class workloads (default: the --model dir)");
  app.add_option("--data", s.data_csv,
                 "CSV for the 4class workloads (default: data/generated/4class/train.csv, or the 4class "
                 "preset generated in memory when that file is absent)");
  app.add_option(
      "--profile", s.profile_file,
      "also profile one training step (torch's autograd profiler) into this chrome://tracing JSON file, one "
      "inference batch into FILE with .infer before its extension, and one request into FILE with .latency");
  app.add_flag(
      "--no-weight-cache", no_weight_cache,
      "let autocast re-cast frozen weights on every forward, as the reference path does (for comparison; "
      "also turns off LoRA folding, the one-product Q/K/V and packing of inference, which build on the "
      "cached copies)");
  app.add_flag("--no-fused-qkv", no_fused_qkv,
               "run Q, K and V as three products in inference too, as the reference path does (for "
               "comparison)");
  app.add_flag("--no-packed", no_packed,
               "run inference products through torch (oneDNN re-packing the weight on every call) instead "
               "of on weights packed once, as the reference path does (for comparison)");
  app.add_flag("--torch-dropout", torch_dropout,
               "draw dropout masks with torch's serial bernoulli_, as the reference path does (for "
               "comparison)");
  app.add_flag("--reference-path", reference_path,
               "all four above at once: the plain libtorch composition that the fast paths are tested "
               "against (not the Hugging Face reference the ref figures compare with)");
  app.add_option("--batching", batching,
                 "bucketed: rows grouped into batches as train (length buckets) and evaluate (length-sorted) "
                 "group them; random: random rows per batch, as the reference (each batch padded to its "
                 "longest row either way)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bucketed", "random"}));
  app.add_option("--phases", phases,
                 "comma-separated: gemm, train, infer, latency (default: all four; latency for "
                 "exported-request)");
  app.add_option("--warmup", s.warmup_steps, "training steps before timing")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--steps", s.train_steps, "timed training steps")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--infer-warmup", s.infer_warmup, "inference batches before timing")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--infer-batches", s.infer_batches, "timed inference batches")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--latency-runs", s.latency_runs, "timed one-request runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--gemm-seconds", s.gemm_seconds, "seconds per GEMM shape and dtype")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 60.0));
  app.add_option("--seed", s.data_seed, "seed of the random lengths and token ids")->capture_default_str();
  app.add_option("--threads", threads, "torch intra-op threads (0: the CPUs this process may use)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option(
         "--omp-wait", omp_wait,
         "OpenMP wait policy: auto (spin briefly when the CPUs are idle at start, else passive; what every "
         "tool does), spin, passive, active, or inherit (leave OMP_WAIT_POLICY/GOMP_SPINCOUNT as the "
         "environment has them); applied by re-executing bench once")
      ->capture_default_str()
      ->check(CLI::IsMember(cli::omp_wait_policies()));
  app.footer(
      "Examples:\n  bench --list\n  bench roberta-lora-bf16 --warmup 3 --steps 8\n"
      "  bench roberta-lora-bf16-4class --tokenizer ../shared/tokenizers/roberta-base\n"
      "  bench model-lora-bf16-4class --model models/embedded/<name> --json\n"
      "  bench exported-request --model runs/x/export/merged --threads 1 --latency-runs 1000");
  parse(app, argc, argv);
  if (list) {
    print_list();
    return 0;
  }
  const auto& workload = bench::find_workload(workload_name);
  s.phases = bench::parse_phases(phases.empty() ? workload.default_phases : phases);
  bench::check_phases(workload, s.phases);
  if (text_opt->count() > 0 && !workload.exported)
    throw InputError("--text: only the exported-request workloads time a text (workload '" + workload.name +
                     "' does not)");
  s.bucketed = batching == "bucketed";
  cli::ensure_omp_wait_policy(argc, argv, omp_wait);
  const auto thread_settings = models::apply_thread_policy(threads);
  auto paths = reference_path ? models::FastPaths::reference() : models::FastPaths{};
  if (no_weight_cache) paths.bf16_weight_cache = false;
  if (no_fused_qkv) paths.fused_linears = false;
  if (no_packed) paths.packed_linears = false;
  if (torch_dropout) paths.fast_dropout = false;
  models::set_fast_paths(paths);
  const auto load = load_average();

  if (!json) {
    std::cout << "workload " << workload.name << ": " << workload.description << "\n"
              << "batching: " << batching_note(workload, s.bucketed) << "\n"
              << "threads: " << models::describe(thread_settings) << "\n"
              << "allocator: " << attune::allocator_description() << "\n"
              << "fast paths: " << describe(paths) << "\n";
    if (!load.empty())
      std::cout << "load average at start: " << load[0] << " " << load[1] << " " << load[2] << "\n";
    std::cout << std::flush;
  }
  const auto figures = bench::run_benchmark(workload, s, [&](const bench::Figure& f) {
    if (!json) std::cout << bench::format_figure(f) << std::endl;
  });
  const auto end_load = load_average();
  if (json) {
    nlohmann::json out = {{"workload", workload.name},
                          {"description", workload.description},
                          {"batching", batching_note(workload, s.bucketed)},
                          {"threads", models::describe(thread_settings)},
                          {"allocator", attune::allocator_description()},
                          {"fast_paths", describe(paths)},
                          {"load_average_start", load},
                          {"load_average_end", end_load},
                          {"model_dir", s.model_dir},
                          {"warmup_steps", s.warmup_steps},
                          {"train_steps", s.train_steps},
                          {"infer_batches", s.infer_batches},
                          {"latency_runs", s.latency_runs},
                          {"figures", bench::figures_json(figures)}};
    if (workload.exported) out["request_text"] = s.request_text;
    std::cout << out.dump(2) << "\n";
  } else if (!end_load.empty()) {
    std::cout << "load average at end: " << end_load[0] << " " << end_load[1] << " " << end_load[2] << "\n";
  }
  return 0;
}

}  // namespace attune::cli
