#include "bench/benchmark_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <numeric>
#include <random>
#include <stdexcept>

#include <torch/csrc/autograd/profiler_legacy.h>
#include "base/errors.h"
#include "data/batching.h"
#include "data/csv.h"
#include "data/generator/generator.h"
#include "data/tokenizers/tokenizer.h"

#include "base/process_memory.h"
#include "base/progress.h"
#include "base/stats.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "inference/operating_point.h"
#include "inference/prediction_output.h"
#include "models/autocast.h"
#include "models/batch_tensors.h"
#include "models/linear.h"
#include "models/loss.h"
#include "models/model_factory.h"
#include "peft/bitfit.h"
#include "peft/lora.h"
#include "serving/api_server.h"
#include "trainer/optimizer.h"

namespace attune::bench {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The reference's optimizer (torch.optim.AdamW(lr=1e-4, weight_decay=0.01)) and train's default clipping.
constexpr double kLearningRate = 1e-4;
constexpr double kWeightDecay = 0.01;
constexpr double kMaxGradNorm = 1.0;
// The 4class training split, as gen-data writes it.
constexpr const char* kDefault4classCsv = "data/generated/4class/train.csv";
// Random token ids are drawn from [kFirstPlainId, min(vocab, kRandomIdCeiling)).
constexpr int64_t kFirstPlainId = 5;
constexpr int64_t kRandomIdCeiling = 30000;

// The reference's architectures (its "configs"), with 4 labels.
models::HFConfig reference_config(const std::string& model_type, int64_t num_labels) {
  nlohmann::json j;
  if (model_type == "roberta") {
    j = {{"model_type", "roberta"},
         {"vocab_size", 50265},
         {"hidden_size", 768},
         {"num_hidden_layers", 12},
         {"num_attention_heads", 12},
         {"intermediate_size", 3072},
         {"hidden_act", "gelu"},
         {"hidden_dropout_prob", 0.1},
         {"attention_probs_dropout_prob", 0.1},
         {"max_position_embeddings", 514},
         {"type_vocab_size", 1},
         {"initializer_range", 0.02},
         {"layer_norm_eps", 1e-5},
         {"pad_token_id", 1},
         {"bos_token_id", 0},
         {"eos_token_id", 2}};
  } else if (model_type == "deberta-v2") {
    j = {{"model_type", "deberta-v2"},
         {"vocab_size", 128100},
         {"hidden_size", 768},
         {"num_hidden_layers", 12},
         {"num_attention_heads", 12},
         {"intermediate_size", 3072},
         {"hidden_act", "gelu"},
         {"hidden_dropout_prob", 0.1},
         {"attention_probs_dropout_prob", 0.1},
         {"max_position_embeddings", 512},
         {"type_vocab_size", 0},
         {"initializer_range", 0.02},
         {"layer_norm_eps", 1e-7},
         {"relative_attention", true},
         {"max_relative_positions", -1},
         {"position_buckets", 256},
         {"pos_att_type", {"p2c", "c2p"}},
         {"norm_rel_ebd", "layer_norm"},
         {"share_att_key", true},
         {"position_biased_input", false},
         {"pooler_hidden_size", 768},
         {"pooler_hidden_act", "gelu"},
         {"pooler_dropout", 0},
         {"pad_token_id", 0}};
  } else {
    throw InputError("bench: no reference architecture for model_type '" + model_type + "'");
  }
  auto config = models::parse_hf_config(j, "bench reference config (" + model_type + ")");
  models::set_num_labels(config, num_labels);
  return config;
}

// The model with its trainable parameters chosen as `train` chooses them.
std::shared_ptr<models::SequenceClassifier> build_model(const Workload& w, const BenchSettings& s) {
  std::shared_ptr<models::SequenceClassifier> model;
  if (!s.model_dir.empty()) {
    models::LoadReport report;
    model = models::load_model(s.model_dir, &report, s.num_labels, s.model_seed);
  } else if (!w.model_type.empty()) {
    model = models::create_model(reference_config(w.model_type, s.num_labels), s.model_seed);
  } else {
    throw InputError("workload '" + w.name + "' needs --model DIR (a Hugging Face model dir)");
  }
  torch::manual_seed(s.model_seed);
  if (w.method == "lora") {
    peft::LoraConfig lora;
    lora.r = 8;
    lora.lora_alpha = 16;
    lora.lora_dropout = 0.1;
    peft::apply_lora(*model, lora);
  } else {
    peft::apply_method(*model, w.method);
  }
  return model;
}

// Linear weights per token and per sample (the head), for the reference's FLOP model.
FlopModel flop_model(models::SequenceClassifier& model) {
  FlopModel m;
  m.layers = model.config.num_hidden_layers;
  m.hidden = model.config.hidden_size;
  const auto heads = model.head_module_names();
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
    auto* linear = item.value()->as<models::LinearImpl>();
    if (!linear) continue;
    bool head = false;
    for (const auto& h : heads) head = head || item.key() == h || item.key().rfind(h + ".", 0) == 0;
    (head ? m.head_matmul : m.token_matmul) += linear->weight.numel();
  }
  return m;
}

// The token rows a workload trains and infers on, and how they are grouped into batches.
struct BenchData {
  data::TokenizedRows rows;
  std::vector<std::vector<size_t>> train_batches;
  std::vector<std::vector<size_t>> infer_batches;
  int64_t pad_id = 0;
};

std::vector<std::string> csv_texts(const BenchSettings& s) {
  const fs::path file = s.data_csv.empty() ? fs::path(kDefault4classCsv) : fs::path(s.data_csv);
  std::vector<std::string> texts;
  if (fs::exists(file)) {
    for (auto& e : data::read_examples(file)) texts.push_back(std::move(e.text));
    return texts;
  }
  if (!s.data_csv.empty())
    throw InputError("--data: " + file.string() + " does not exist (expected a CSV with a text column)");
  data::GenDataOptions options;
  options.preset = "4class";
  for (auto& row : data::generate_data(options).train) texts.push_back(std::move(row.text));
  return texts;
}

// The batches of one phase over `lengths`: train's plan (length buckets, or random rows when not
// bucketed), or evaluate's (length-sorted) with its batch order shuffled, so that warm-up batches are a
// random draw rather than the shortest.
std::vector<std::vector<size_t>> plan_batches(const std::vector<size_t>& lengths, int64_t batch,
                                              bool training, const BenchSettings& s) {
  if (training)
    return data::plan_train_batches(lengths, batch, s.data_seed, /*epoch=*/0,
                                    s.bucketed ? data::kDefaultBucketBatches : 1);
  auto plan = data::plan_eval_batches(lengths, batch, /*sort_by_length=*/s.bucketed);
  std::mt19937_64 rng(s.data_seed + 2);
  std::shuffle(plan.begin(), plan.end(), rng);
  return plan;
}

BenchData make_data(const Workload& w, const BenchSettings& s, const models::HFConfig& config) {
  BenchData d;
  d.pad_id = config.pad_token_id;
  std::mt19937_64 rng(s.data_seed);
  const int64_t train_n = s.warmup_steps + s.train_steps, infer_n = s.infer_warmup + s.infer_batches;
  if (w.lengths == LengthSource::kUniform) {
    // Rows for exactly train_n training and infer_n inference batches, then grouped into batches.
    std::uniform_int_distribution<int64_t> length(w.len_lo, w.len_hi);
    std::uniform_int_distribution<int64_t> token(kFirstPlainId,
                                                 std::min<int64_t>(config.vocab_size, kRandomIdCeiling) - 1);
    std::uniform_int_distribution<int64_t> label(0, s.num_labels - 1);
    auto add_rows = [&](int64_t count, int64_t batch, bool training) {
      const size_t first = d.rows.input_ids.size();
      std::vector<size_t> lengths;
      for (int64_t i = 0; i < count * batch; ++i) {
        std::vector<int64_t> ids(static_cast<size_t>(length(rng)));
        for (auto& id : ids) id = token(rng);
        lengths.push_back(ids.size());
        d.rows.input_ids.push_back(std::move(ids));
        d.rows.labels.push_back(label(rng));
      }
      auto plan = plan_batches(lengths, batch, training, s);
      for (auto& b : plan)
        for (auto& r : b) r += first;
      (training ? d.train_batches : d.infer_batches) = std::move(plan);
    };
    add_rows(train_n, s.train_batch, true);
    add_rows(infer_n, s.infer_batch, false);
    return d;
  }
  // kCsv: train's own batching over the tokenized split.
  const fs::path tok_dir = !s.tokenizer_dir.empty() ? fs::path(s.tokenizer_dir) : fs::path(s.model_dir);
  if (tok_dir.empty())
    throw InputError("workload '" + w.name +
                     "' needs --tokenizer DIR (e.g. ../shared/tokenizers/roberta-base)");
  const auto tokenizer = data::load_tokenizer(tok_dir);
  d.pad_id = tokenizer->pad_id();
  d.rows.input_ids = tokenizer->encode_batch(csv_texts(s), /*add_special_tokens=*/true, s.max_length);
  std::uniform_int_distribution<int64_t> label(0, s.num_labels - 1);
  for (size_t i = 0; i < d.rows.input_ids.size(); ++i) d.rows.labels.push_back(label(rng));
  const auto lengths = data::row_lengths(d.rows);
  auto train = plan_batches(lengths, s.train_batch, true, s);
  if (static_cast<int64_t>(train.size()) < train_n)
    throw InputError("bench: the CSV gives " + std::to_string(train.size()) +
                     " training batches, fewer than " + std::to_string(train_n) + " (warm-up + timed steps)");
  train.resize(static_cast<size_t>(train_n));
  d.train_batches = std::move(train);
  // Inference: evenly spaced batches of evaluate's length-sorted plan (long and short ones alike).
  const auto eval = data::plan_eval_batches(lengths, s.infer_batch, /*sort_by_length=*/s.bucketed);
  for (int64_t i = 0; i < infer_n; ++i)
    d.infer_batches.push_back(eval[static_cast<size_t>(i) * eval.size() / static_cast<size_t>(infer_n)]);
  return d;
}

double gemm_gflops(torch::ScalarType dtype, int64_t m, int64_t k, int64_t n, double seconds) {
  const auto a = torch::randn({m, k}).to(dtype);
  const auto w = torch::randn({n, k}).to(dtype);  // a Linear's [out, in] weight
  torch::linear(a, w);                            // warm-up (oneDNN primitive creation)
  int64_t iters = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    torch::linear(a, w);
    ++iters;
    elapsed = seconds_since(start);
  } while (elapsed < seconds || iters < 2);
  return 2.0 * static_cast<double>(m * k * n) * static_cast<double>(iters) / elapsed / 1e9;
}

}  // namespace

std::string phase_profile_file(const std::string& profile_file, const std::string& phase) {
  fs::path p(profile_file);
  return (p.parent_path() / (p.stem().string() + "." + phase + p.extension().string())).string();
}

namespace {

struct Timed {
  std::vector<double> seconds;  // per timed batch
  double samples = 0;
  double flops = 0;   // forward FLOPs of the timed batches
  double tokens = 0;  // padded tokens of the timed batches
};

// One training step exactly as train_loop runs it (gradient accumulation 1, no sample weights).
void train_step(models::SequenceClassifier& model, torch::optim::Optimizer& optimizer,
                const std::vector<torch::Tensor>& params, const models::BatchTensors& t, bool bf16) {
  torch::Tensor logits;  // [B, C]
  {
    models::CpuAutocast autocast(bf16);
    logits = model.forward(t.input_ids, t.attention_mask).logits;
  }
  const auto loss = models::classification_loss(logits, t.labels);
  if (!std::isfinite(loss.item<double>())) throw std::runtime_error("bench: the training loss is not finite");
  loss.backward();
  trainer::clip_gradients(params, kMaxGradNorm);
  optimizer.step();
  optimizer.zero_grad();
}

data::Batch padded(const BenchData& d, const std::vector<size_t>& rows, int64_t pad_to) {
  auto batch = data::make_batch(d.rows, rows, d.pad_id);
  if (pad_to <= batch.seq_len) return batch;
  data::Batch out = batch;
  out.seq_len = pad_to;
  out.input_ids.assign(static_cast<size_t>(batch.batch_size * pad_to), d.pad_id);
  out.attention_mask.assign(static_cast<size_t>(batch.batch_size * pad_to), 0);
  for (int64_t b = 0; b < batch.batch_size; ++b)
    for (int64_t t = 0; t < batch.seq_len; ++t) {
      out.input_ids[static_cast<size_t>(b * pad_to + t)] =
          batch.input_ids[static_cast<size_t>(b * batch.seq_len + t)];
      out.attention_mask[static_cast<size_t>(b * pad_to + t)] =
          batch.attention_mask[static_cast<size_t>(b * batch.seq_len + t)];
    }
  return out;
}

Timed time_training(models::SequenceClassifier& model, const Workload& w, const BenchSettings& s,
                    const BenchData& d, const FlopModel& fm) {
  const auto groups = trainer::split_decay_groups(model);
  const auto params = groups.all();
  auto optimizer = trainer::make_adamw(groups, {kLearningRate, kWeightDecay, 0.9, 0.999, 1e-8});
  model.train();
  Timed out;
  for (size_t i = 0; i < d.train_batches.size(); ++i) {
    const auto batch = padded(d, d.train_batches[i], w.pad_to);
    const auto t = models::to_tensors(batch);
    const auto start = Clock::now();
    train_step(model, *optimizer, params, t, w.bf16);
    const double dt = seconds_since(start);
    if (static_cast<int64_t>(i) < s.warmup_steps) continue;
    out.seconds.push_back(dt);
    out.samples += static_cast<double>(batch.batch_size);
    out.tokens += static_cast<double>(batch.batch_size * batch.seq_len);
    out.flops +=
        static_cast<double>(batch.batch_size) * forward_flops(fm, static_cast<double>(batch.seq_len));
  }
  if (!s.profile_file.empty()) {  // one more step (the last batch again), untimed, under the profiler
    const auto t = models::to_tensors(padded(d, d.train_batches.back(), w.pad_to));
    torch::autograd::profiler::RecordProfile profile(s.profile_file);
    train_step(model, *optimizer, params, t, w.bf16);
  }
  return out;
}

// The token rows of one inference batch: every row padded to pad_to with real-looking pad tokens when
// pad_to > 0 (predict itself pads to the longest). `longest`, when given: the length the batch runs at.
std::vector<std::vector<int64_t>> inference_rows(const BenchData& d, const std::vector<size_t>& rows,
                                                 int64_t pad_to, int64_t* longest = nullptr) {
  std::vector<std::vector<int64_t>> ids;
  int64_t most = pad_to;
  for (size_t r : rows) {
    ids.push_back(d.rows.input_ids[r]);
    most = std::max<int64_t>(most, static_cast<int64_t>(ids.back().size()));
  }
  if (pad_to > 0)
    for (auto& row : ids) row.resize(static_cast<size_t>(pad_to), d.pad_id);
  if (longest) *longest = most;
  return ids;
}

Timed time_inference(models::SequenceClassifier& model, const Workload& w, const BenchSettings& s,
                     const BenchData& d, const FlopModel& fm) {
  const inference::InferenceSettings settings{s.infer_batch, d.pad_id, w.bf16};
  Timed out;
  for (size_t i = 0; i < d.infer_batches.size(); ++i) {
    int64_t longest = 0;
    const auto ids = inference_rows(d, d.infer_batches[i], w.pad_to, &longest);
    const auto start = Clock::now();
    inference::predict(model, ids, settings);
    const double dt = seconds_since(start);
    if (static_cast<int64_t>(i) < s.infer_warmup) continue;
    const double b = static_cast<double>(ids.size());
    out.seconds.push_back(dt);
    out.samples += b;
    out.tokens += b * static_cast<double>(longest);
    out.flops += b * forward_flops(fm, static_cast<double>(longest));
  }
  if (!s.profile_file.empty() && !d.infer_batches.empty()) {  // the last batch again, untimed, profiled
    const auto ids = inference_rows(d, d.infer_batches.back(), w.pad_to);
    torch::autograd::profiler::RecordProfile profile(phase_profile_file(s.profile_file, "infer"));
    inference::predict(model, ids, settings);
  }
  return out;
}

std::vector<double> time_latency(models::SequenceClassifier& model, const Workload& w, const BenchSettings& s,
                                 const models::HFConfig& config) {
  std::mt19937_64 rng(s.data_seed + 1);
  std::uniform_int_distribution<int64_t> token(kFirstPlainId,
                                               std::min<int64_t>(config.vocab_size, kRandomIdCeiling) - 1);
  std::vector<int64_t> row(static_cast<size_t>(s.latency_tokens));
  for (auto& id : row) id = token(rng);
  const inference::InferenceSettings settings{1, config.pad_token_id, w.bf16};
  std::vector<double> ms;
  for (int64_t i = 0; i < s.latency_warmup + s.latency_runs; ++i) {
    const auto start = Clock::now();
    inference::predict(model, {row}, settings);
    if (i >= s.latency_warmup) ms.push_back(1e3 * seconds_since(start));
  }
  if (!s.profile_file.empty()) {  // one more request, untimed, profiled
    torch::autograd::profiler::RecordProfile profile(phase_profile_file(s.profile_file, "latency"));
    inference::predict(model, {row}, settings);
  }
  return ms;
}

// The stages of one request as serve answers {"text": ...}, in order.
const char* const kRequestStages[] = {"request_json", "tokenize", "forward", "answer_json"};
constexpr size_t kRequestStageCount = std::size(kRequestStages);

struct RequestTimes {
  std::vector<double> total_ms;
  std::vector<double> stage_ms[kRequestStageCount];
  size_t tokens = 0;  // of the request's text, special tokens included
};

// Times requests of s.request_text to an exported dir the way serve answers one (serving/api_server.cpp and
// its model_scorer): the body parsed, the text tokenized with the dir's preprocessing, predict() at its
// temperature with its operating point applied, the answer's JSON written.
RequestTimes time_requests(const inference::LoadedModel& loaded, const Workload& w, const BenchSettings& s) {
  const std::string body = nlohmann::json{{"text", s.request_text}}.dump();
  const serving::ServeOptions limits;
  const auto& op = loaded.preprocessing.operating_point;
  const auto settings = inference::inference_settings(loaded, 1, w.bf16);
  std::vector<inference::InputText> inputs(1);
  inputs[0].line = 1;  // serve echoes no text
  double stage_ms[kRequestStageCount];
  auto request = [&] {
    auto at = Clock::now();
    auto lap = [&](size_t stage) {
      const auto now = Clock::now();
      stage_ms[stage] = 1e3 * std::chrono::duration<double>(now - at).count();
      at = now;
    };
    const auto parsed = serving::parse_api_request(body, limits);
    lap(0);
    const auto ids = loaded.tokenizer->encode_batch(parsed.texts, /*add_special_tokens=*/true,
                                                    loaded.preprocessing.max_length, /*num_threads=*/1);
    lap(1);
    auto predictions = inference::predict(*loaded.model, ids, settings);
    if (op) inference::apply_operating_point(predictions, *op);
    lap(2);
    const auto answer = inference::prediction_json(inference::scored_texts(predictions, inputs).at(0),
                                                   loaded.labels.labels(), op ? &*op : nullptr)
                            .dump();
    lap(3);
    if (answer.empty()) throw std::runtime_error("bench: an empty answer");
    return ids.at(0).size();
  };
  RequestTimes out;
  for (int64_t i = 0; i < s.latency_warmup + s.latency_runs; ++i) {
    const auto start = Clock::now();
    out.tokens = request();
    if (i < s.latency_warmup) continue;
    out.total_ms.push_back(1e3 * seconds_since(start));
    for (size_t k = 0; k < kRequestStageCount; ++k) out.stage_ms[k].push_back(stage_ms[k]);
  }
  if (!s.profile_file.empty()) {  // one more request, untimed, profiled
    torch::autograd::profiler::RecordProfile profile(phase_profile_file(s.profile_file, "latency"));
    request();
  }
  return out;
}

// An exported workload's run after the gemm phase: the dir loaded, then its one-request latency.
void run_exported(const Workload& w, const BenchSettings& s, const std::function<void(Figure)>& emit) {
  const auto load_start = Clock::now();
  const auto loaded = inference::load_model_dir(s.model_dir);
  emit({"setup_seconds", seconds_since(load_start), "s",
        "exported dir " + s.model_dir +
            (loaded.is_adapter ? " (adapter on " + loaded.base_dir.string() + ")" : std::string()) + ", " +
            (w.bf16 ? "bf16 autocast" : "fp32") +
            (loaded.preprocessing.operating_point ? ", " + loaded.preprocessing.operating_point->describe()
                                                  : std::string())});
  if (std::find(s.phases.begin(), s.phases.end(), "latency") == s.phases.end()) return;
  const auto t = time_requests(loaded, w, s);
  const auto sum = summarize(t.total_ms);
  // Three decimals: a stage of a small model's request takes microseconds.
  auto ms = [&](const std::string& key, double value, const std::string& note = "") {
    emit({key, value, "ms", note, /*decimals=*/3});
  };
  ms("latency_p50_ms", sum.median,
     "one request as serve answers it (request JSON, tokenize, forward, answer JSON), " +
         std::to_string(t.tokens) + " tokens, " + std::to_string(sum.n) + " runs");
  ms("latency_p90_ms", percentile(t.total_ms, 90));
  ms("latency_p99_ms", sum.p99);
  ms("latency_mean_ms", sum.mean);
  ms("latency_max_ms", sum.max);
  for (size_t k = 0; k < kRequestStageCount; ++k)
    ms("latency_" + std::string(kRequestStages[k]) + "_p50_ms", summarize(t.stage_ms[k]).median,
       k == 0 ? "median of each stage" : "");
}

}  // namespace

GemmPeak measure_gemm_peak(double seconds) {
  torch::NoGradGuard no_grad;
  GemmPeak peak;
  const int64_t shapes[][3] = {{4096, 768, 3072}, {4096, 3072, 768}, {4096, 768, 768}};
  for (const auto& sh : shapes) {
    peak.bf16 = std::max(peak.bf16, gemm_gflops(torch::kBFloat16, sh[0], sh[1], sh[2], seconds));
    peak.fp32 = std::max(peak.fp32, gemm_gflops(torch::kFloat32, sh[0], sh[1], sh[2], seconds));
  }
  return peak;
}

std::vector<Figure> run_benchmark(const Workload& w, const BenchSettings& s,
                                  const std::function<void(const Figure&)>& on_figure) {
  std::vector<Figure> figures;
  auto emit = [&](Figure f) {
    on_figure(f);
    figures.push_back(std::move(f));
  };
  auto has = [&](const char* phase) {
    return std::find(s.phases.begin(), s.phases.end(), phase) != s.phases.end();
  };
  check_phases(w, s.phases);
  if (w.exported && s.model_dir.empty())
    throw InputError("workload '" + w.name +
                     "' needs --model DIR (an exported model dir: merged or adapter)");

  GemmPeak peak;
  if (has("gemm")) {
    peak = measure_gemm_peak(s.gemm_seconds);
    emit({"gemm_peak_bf16_gflops", peak.bf16, "GFLOP/s", "torch::linear, M 4096, best of 3 shapes"});
    emit({"gemm_peak_fp32_gflops", peak.fp32, "GFLOP/s", "same shapes in fp32"});
  }
  if (w.exported) {
    run_exported(w, s, emit);
    return figures;
  }
  const auto build_start = Clock::now();
  auto model = build_model(w, s);
  const auto& config = model->config;
  const auto fm = flop_model(*model);
  const auto bench_data = make_data(w, s, config);
  emit({"setup_seconds", seconds_since(build_start), "s",
        "model " + (s.model_dir.empty() ? "random-init " + config.model_type : s.model_dir) + ", " +
            std::to_string(fm.token_matmul) + " matmul weights per token"});

  auto gflops_figures = [&](const std::string& phase, const Timed& t, double flops_factor) {
    const double total = std::accumulate(t.seconds.begin(), t.seconds.end(), 0.0);
    const double gflops = flops_factor * t.flops / total / 1e9;
    std::string note = "reference FLOP model, " + std::string(flops_factor > 1 ? "3 x forward" : "forward");
    if (peak.bf16 > 0) note += "; " + format_significant(100 * gflops / peak.bf16, 3) + "% of bf16 peak";
    if (peak.fp32 > 0) note += ", " + format_significant(100 * gflops / peak.fp32, 3) + "% of fp32 peak";
    emit({phase + "_gflops", gflops, "GFLOP/s", note});
    if (peak.bf16 > 0) emit({phase + "_bf16_peak_fraction", gflops / peak.bf16, "", ""});
    if (peak.fp32 > 0) emit({phase + "_fp32_peak_fraction", gflops / peak.fp32, "", ""});
  };
  auto rate_note = [&](const Timed& t, double ref, double target) {
    const auto sum = summarize(t.seconds);
    std::string note =
        compare_note(t.samples / std::accumulate(t.seconds.begin(), t.seconds.end(), 0.0), ref, target);
    return note + (note.empty() ? "" : "; ") + std::to_string(sum.n) + " batches, median " +
           format_significant(sum.median, 3) + " s, fastest " + format_significant(sum.min, 3) +
           " s, mean padded T " + format_significant(t.tokens / t.samples, 3);
  };

  if (has("train")) {
    reset_peak_rss();
    const auto t = time_training(*model, w, s, bench_data, fm);
    const double total = std::accumulate(t.seconds.begin(), t.seconds.end(), 0.0);
    emit({"train_samples_per_s", t.samples / total, "samples/s", rate_note(t, w.ref_train, w.target_train)});
    gflops_figures("train", t, 3.0);
    emit({"train_peak_rss_mib", peak_rss_mib(), "MiB",
          compare_note(peak_rss_mib(), w.ref_train_rss_mib, 0) +
              (w.target_train_rss_mib > 0 ? ", target <= " + format_significant(w.target_train_rss_mib, 4)
                                          : "")});
  }
  if (has("infer")) {
    reset_peak_rss();
    const auto t = time_inference(*model, w, s, bench_data, fm);
    const double total = std::accumulate(t.seconds.begin(), t.seconds.end(), 0.0);
    emit({"infer_samples_per_s", t.samples / total, "samples/s", rate_note(t, w.ref_infer, w.target_infer)});
    gflops_figures("infer", t, 1.0);
    emit({"infer_peak_rss_mib", peak_rss_mib(), "MiB", ""});
  }
  if (has("latency")) {
    const auto ms = time_latency(*model, w, s, config);
    const auto sum = summarize(ms);
    emit({"latency_p50_ms", sum.median, "ms",
          compare_note(sum.median, w.ref_latency_ms, 0) +
              (w.target_latency_ms > 0 ? std::string(w.ref_latency_ms > 0 ? ", " : "") +
                                             "target <= " + format_significant(w.target_latency_ms, 3)
                                       : "") +
              "; batch 1, " + std::to_string(s.latency_tokens) + " tokens, " + std::to_string(sum.n) +
              " runs"});
    emit({"latency_p99_ms", sum.p99, "ms", ""});
  }
  return figures;
}

}  // namespace attune::bench
