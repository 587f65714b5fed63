// The measuring side of `bench`: builds a workload's model exactly as `train` does (model + LoRA/BitFit +
// AdamW with decay groups + bf16 autocast + gradient clipping), then times a training step, batched
// inference through predict(), one-request latency, and a bf16/fp32 GEMM peak in the same process. An
// exported workload instead loads an exported dir as serve does and times one request stage by stage.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/benchmark.h"

namespace attune::bench {

struct BenchSettings {
  std::vector<std::string> phases = {"gemm", "train", "infer", "latency"};  // see parse_phases
  int64_t train_batch = 32;
  int64_t infer_batch = 64;
  int64_t warmup_steps = 3;   // training steps before timing
  int64_t train_steps = 8;    // timed training steps
  int64_t infer_warmup = 2;   // inference batches before timing
  int64_t infer_batches = 8;  // timed inference batches
  int64_t latency_tokens = 20;
  int64_t latency_warmup = 20;
  int64_t latency_runs = 200;
  // Exported workloads: the text of the timed request (the text of docs/deployment.md's figures).
  std::string request_text = "reg save HKLM\\SAM C:\\Temp\\sam.save";
  double gemm_seconds = 1.0;  // per GEMM shape and dtype
  uint64_t data_seed = 1234;
  uint64_t model_seed = 0;
  int64_t num_labels = 4;
  int64_t max_length = 128;   // truncation of kCsv text
  std::string model_dir;      // a HF model dir instead of the workload's random-init architecture; the
                              // exported dir of an exported workload
  std::string tokenizer_dir;  // kCsv's tokenizer ("" : the model dir's)
  std::string data_csv;       // kCsv's CSV; absent: generated in memory (gen-data's 4class preset)
  // How rows are grouped into batches. true: as `train` and `evaluate` group them (training batches cut
  // from length-sorted buckets of data::kDefaultBucketBatches batches, then shuffled; inference batches
  // cut from the length-sorted rows); false: as the reference does (random rows, each batch padded to its
  // longest). Either way the same rows are timed; pad_to > 0 workloads pad every row regardless.
  bool bucketed = true;
  // Non-empty: one extra training step under torch's profiler, written as a chrome://tracing JSON file; one
  // extra inference batch and one extra request likewise, into phase_profile_file(profile_file, "infer" /
  // "latency").
  std::string profile_file;
};

// The highest GFLOP/s of torch's linear over the reference's GEMM shapes (M 4096; K×N 768×3072,
// 3072×768, 768×768), each run for `seconds`.
struct GemmPeak {
  double bf16 = 0;
  double fp32 = 0;
};
GemmPeak measure_gemm_peak(double seconds);

// Where --profile FILE puts the trace of another phase: FILE with ".PHASE" before its extension
// ("/tmp/step.json", "infer" -> "/tmp/step.infer.json").
std::string phase_profile_file(const std::string& profile_file, const std::string& phase);

// Runs the phases of `workload`; each figure goes to `on_figure` as soon as it is measured. Returns all
// figures. Throws InputError for a workload that needs --model without one, a phase the workload cannot run
// (check_phases), or a missing file.
std::vector<Figure> run_benchmark(const Workload& workload, const BenchSettings& settings,
                                  const std::function<void(const Figure&)>& on_figure);

}  // namespace attune::bench
