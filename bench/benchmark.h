// The pure side of `bench`: the named workloads (the rows of the Hugging Face + PEFT reference table in
// ../shared/reference/, plus the 4class data, any model dir, and one request to an exported dir), the
// statistics of timings, the FLOP model the reference uses, and the figures as text lines or JSON. The
// measuring itself is benchmark_run.h.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace attune::bench {

// Where a workload's sequence lengths and token ids come from.
enum class LengthSource {
  kUniform,  // lengths uniform in [len_lo, len_hi] (special tokens included), random token ids
  kCsv,      // the tokenized text of a CSV (the 4class training split)
};

struct Workload {
  std::string name;
  std::string description;
  std::string model_type;       // "roberta" | "deberta-v2": the random-init architecture; "" needs --model
  std::string method = "lora";  // "lora" (r=8, alpha 16, dropout 0.1, default targets) | "bitfit"
  bool bf16 = true;             // CPU autocast to bfloat16
  int64_t pad_to = 0;           // 0: pad each batch to its longest row; > 0: every row to this length
  LengthSource lengths = LengthSource::kUniform;
  int64_t len_lo = 12, len_hi = 48;  // kUniform's range
  // The reference (transformers 4.49 + PEFT 0.20, same workload) and the targets; 0 where none.
  double ref_train = 0, ref_infer = 0, ref_train_rss_mib = 0;
  double target_train = 0, target_infer = 0, target_train_rss_mib = 0;
  double ref_latency_ms = 0, target_latency_ms = 0;  // one request of 20 tokens, p50
  // The --model dir is an exported dir (merged or adapter; inference::load_model_dir applies its attune.json:
  // preprocessing, temperature, operating point) and the latency phase times one request of a text as
  // `serve` answers it, stage by stage. Nothing is trained (method ""); only gemm and latency apply.
  bool exported = false;
  std::string default_phases = "gemm,train,infer,latency";  // without --phases
};

// The built-in workloads, in `bench --list` order.
const std::vector<Workload>& builtin_workloads();
// Throws InputError naming the known workloads when `name` is none of them.
const Workload& find_workload(const std::string& name);

// What `bench` measures, named as on its output lines ("gemm", "train", "infer", "latency").
std::vector<std::string> parse_phases(const std::string& csv);
// Throws InputError when `workload` cannot run one of `phases` (train or infer of an exported workload).
void check_phases(const Workload& workload, const std::vector<std::string>& phases);

// Timings summarised; median and p99 are base/stats.h's percentiles (numpy's linear interpolation).
struct Summary {
  size_t n = 0;
  double mean = 0, median = 0, p99 = 0, min = 0, max = 0;
};
Summary summarize(const std::vector<double>& values);

// The reference's FLOP model (../shared/reference/README.md): forward per sample =
// 2 × token_matmul × T + 2 × head_matmul + 4 × T² × hidden × layers, training = 3 × forward.
struct FlopModel {
  int64_t token_matmul = 0;  // weights of the Linear layers every token passes (LoRA A/B included)
  int64_t head_matmul = 0;   // weights of the head's Linear layers (run once per sample)
  int64_t layers = 0;
  int64_t hidden = 0;
};
// Forward FLOPs of one sample padded to `seq_len` tokens.
double forward_flops(const FlopModel& m, double seq_len);

// One measured figure: a line of `bench`'s output and a key of its JSON.
struct Figure {
  std::string key;  // "train_samples_per_s"
  double value = 0;
  std::string unit;   // "samples/s"
  std::string note;   // "(ref 15.65, target 31; median of 8 steps)"
  int decimals = -1;  // on the text line; -1: 2 below 100, else 1
};

// "train_samples_per_s          12.34 samples/s  (ref 15.65, ...)"
std::string format_figure(const Figure& f);
// {"key": value, ..., "notes": {"key": note}}
nlohmann::json figures_json(const std::vector<Figure>& figures);

// The note of a throughput figure against the workload's reference and target: "ref 15.65 (x0.79),
// target 31 (39.8%)" (empty parts left out).
std::string compare_note(double value, double reference, double target);

}  // namespace attune::bench
