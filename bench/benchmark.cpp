#include "bench/benchmark.h"

#include <algorithm>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "base/errors.h"
#include "base/stats.h"

namespace attune::bench {

namespace {

// The phases `bench` knows, in the order it runs them.
const char* const kPhases[] = {"gemm", "train", "infer", "latency"};

Workload uniform(std::string name, std::string description, std::string model_type, std::string method,
                 bool bf16) {
  Workload w;
  w.name = std::move(name);
  w.description = std::move(description);
  w.model_type = std::move(model_type);
  w.method = std::move(method);
  w.bf16 = bf16;
  return w;
}

std::string number(double v, int precision) {
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

}  // namespace

const std::vector<Workload>& builtin_workloads() {
  static const std::vector<Workload> all = [] {
    std::vector<Workload> w;
    // Figures: ../shared/reference/hf_peft_cpu_2026-11-21.json (default env); targets: issue 8.
    auto lora = uniform("roberta-lora-bf16",
                        "random-init roberta-base, LoRA r=8 on query/key/value/dense, bf16 autocast, "
                        "lengths uniform 12..48",
                        "roberta", "lora", true);
    lora.ref_train = 15.65, lora.ref_infer = 47.32, lora.ref_train_rss_mib = 2832;
    lora.target_train = 31, lora.target_infer = 118, lora.target_train_rss_mib = 2048;
    lora.ref_latency_ms = 14.49, lora.target_latency_ms = 7;
    w.push_back(lora);

    auto bitfit = uniform("roberta-bitfit-bf16",
                          "random-init roberta-base, BitFit (biases + head), bf16 autocast, lengths 12..48",
                          "roberta", "bitfit", true);
    bitfit.ref_train = 28.74, bitfit.ref_infer = 60.53, bitfit.ref_train_rss_mib = 1851;
    bitfit.target_train = 2 * 28.74, bitfit.target_infer = 2 * 60.53;
    w.push_back(bitfit);

    auto deberta = uniform("deberta-lora-bf16",
                           "random-init deberta-v3-base, LoRA r=8 on query_proj/key_proj/value_proj/dense, "
                           "bf16 autocast, lengths 12..48",
                           "deberta-v2", "lora", true);
    deberta.ref_train = 10.16, deberta.ref_infer = 25.01, deberta.ref_train_rss_mib = 4057;
    deberta.target_train = 20, deberta.target_infer = 60;
    w.push_back(deberta);

    auto seed = uniform("roberta-lora-bf16-pad128",
                        "as roberta-lora-bf16 but every row padded to 128 tokens (the seed's padding)",
                        "roberta", "lora", true);
    seed.pad_to = 128;
    seed.ref_train = 4.79, seed.ref_infer = 14.39, seed.ref_train_rss_mib = 6328;
    w.push_back(seed);

    auto fp32 =
        uniform("roberta-lora-fp32", "as roberta-lora-bf16 in fp32 (no autocast)", "roberta", "lora", false);
    fp32.ref_train = 4.11, fp32.ref_infer = 13.77, fp32.ref_train_rss_mib = 3963;
    w.push_back(fp32);

    auto csv = uniform("roberta-lora-bf16-4class",
                       "random-init roberta-base, LoRA, bf16, on the 4class training split's token lengths "
                       "(batched as `train` and `evaluate` batch them)",
                       "roberta", "lora", true);
    csv.lengths = LengthSource::kCsv;
    w.push_back(csv);

    auto model = uniform("model-lora-bf16-4class",
                         "the HF model dir given with --model (e.g. the embedded backbone), LoRA, bf16, on "
                         "the 4class training split tokenized with the dir's tokenizer",
                         "", "lora", true);
    model.lengths = LengthSource::kCsv;
    model.target_latency_ms = 2;
    w.push_back(model);

    // One request to an exported dir, as serve answers it.
    auto exported = uniform("exported-request",
                            "the exported model dir given with --model (merged or adapter, its attune.json "
                            "applied), one request of --text as serve answers it (request JSON, tokenize, "
                            "forward, answer JSON), bf16 autocast",
                            "", "", true);
    exported.exported = true;
    exported.default_phases = "latency";
    w.push_back(exported);
    auto exported_fp32 = exported;
    exported_fp32.name = "exported-request-fp32";
    exported_fp32.description = "as exported-request in fp32 (no autocast)";
    exported_fp32.bf16 = false;
    w.push_back(exported_fp32);
    return w;
  }();
  return all;
}

const Workload& find_workload(const std::string& name) {
  for (const auto& w : builtin_workloads())
    if (w.name == name) return w;
  std::string names;
  for (const auto& w : builtin_workloads()) names += (names.empty() ? "" : ", ") + w.name;
  throw InputError("workload '" + name + "' is not known (expected one of: " + names + "; see bench --list)");
}

std::vector<std::string> parse_phases(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream in(csv);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    if (std::find(std::begin(kPhases), std::end(kPhases), item) == std::end(kPhases))
      throw InputError("--phases: '" + item +
                       "' is not a phase (expected a comma-separated list of gemm, "
                       "train, infer, latency)");
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  if (out.empty())
    throw InputError("--phases: empty (expected a comma-separated list of gemm, train, infer, latency)");
  // Run order is fixed, whatever the order given.
  std::vector<std::string> ordered;
  for (const char* p : kPhases)
    if (std::find(out.begin(), out.end(), p) != out.end()) ordered.emplace_back(p);
  return ordered;
}

void check_phases(const Workload& w, const std::vector<std::string>& phases) {
  if (!w.exported) return;
  for (const auto& p : phases)
    if (p == "train" || p == "infer")
      throw InputError("--phases: workload '" + w.name + "' times one request of an exported dir; its " +
                       "phases are gemm and latency, not " + p);
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (values.empty()) return s;
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  s.median = percentile(values, 50);
  s.p99 = percentile(values, 99);
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

double forward_flops(const FlopModel& m, double seq_len) {
  return 2.0 * static_cast<double>(m.token_matmul) * seq_len + 2.0 * static_cast<double>(m.head_matmul) +
         4.0 * seq_len * seq_len * static_cast<double>(m.hidden) * static_cast<double>(m.layers);
}

std::string format_figure(const Figure& f) {
  std::ostringstream s;
  s << std::left << std::setw(28) << f.key << std::right << std::setw(10) << std::fixed
    << std::setprecision(f.decimals >= 0  ? f.decimals
                         : f.value >= 100 ? 1
                                          : 2)
    << f.value << " " << std::left << std::setw(10) << f.unit;
  if (!f.note.empty()) s << " " << f.note;
  auto line = s.str();
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

nlohmann::json figures_json(const std::vector<Figure>& figures) {
  nlohmann::json out = nlohmann::json::object(), notes = nlohmann::json::object();
  for (const auto& f : figures) {
    out[f.key] = f.value;
    if (!f.note.empty()) notes[f.key] = f.note;
  }
  out["notes"] = notes;
  return out;
}

std::string compare_note(double value, double reference, double target) {
  std::string note;
  if (reference > 0) note += "ref " + number(reference, 4) + " (x" + number(value / reference, 3) + ")";
  if (target > 0)
    note += std::string(note.empty() ? "" : ", ") + "target " + number(target, 4) + " (" +
            number(100.0 * value / target, 3) + "%)";
  return note;
}

}  // namespace attune::bench
