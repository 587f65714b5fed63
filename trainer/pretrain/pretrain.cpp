#include "trainer/pretrain/pretrain.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <numeric>
#include <thread>

#include "base/errors.h"
#include "base/file_digest.h"
#include "base/file_io.h"
#include "base/progress.h"
#include "data/batching.h"
#include "data/csv.h"
#include "data/generator/benign_world.h"
#include "data/generator/pool.h"
#include "data/generator/rng.h"
#include "data/tokenizers/tokenizer.h"
#include "inference/export_dir.h"
#include "models/autocast.h"
#include "models/batch_tensors.h"
#include "models/masked_lm.h"
#include "models/resolve.h"
#include "models/threads.h"
#include "trainer/backbone_config.h"
#include "trainer/checkpoint.h"
#include "trainer/distributed.h"
#include "trainer/metrics_log.h"
#include "trainer/optimizer.h"
#include "trainer/pretrain/mlm_masking.h"
#include "trainer/pretrain/pretrain_tokenizer.h"
#include "trainer/schedule.h"

namespace attune::trainer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// The corpus: the generated pool plus the text files, shuffled by the run's seed, split into training
// and held-out lines.
struct Corpus {
  std::vector<std::string> train, heldout;
  json record;
};

Corpus build_corpus(const Config& config) {
  const auto& c = config.pretrain->corpus;
  std::vector<std::string> lines;
  json record = json::object();
  if (c.generated_rows > 0) {
    data::TextPoolStats stats;
    lines = data::generate_text_pool(static_cast<size_t>(c.generated_rows), static_cast<uint64_t>(c.seed),
                                     &stats);
    record["generated_pool"] = {{"rows", c.generated_rows},       {"seed", c.seed},
                                {"templates", stats.templates},   {"lowercased", stats.lowercased},
                                {"case_games", stats.case_games}, {"noisy", stats.noisy},
                                {"evasions", stats.evasions}};
  }
  json files = json::array();
  for (const auto& file : c.text_files.value_or(std::vector<std::string>{})) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(config.where("pretrain.corpus.text_files") + ": cannot read '" + file + "'");
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      lines.push_back(line);
      ++n;
    }
    files.push_back({{"path", file}, {"lines", n}});
  }
  record["text_files"] = files;
  // The benign world's train packages: real command lines, once here and repeated after the split.
  const size_t world_begin = lines.size();
  if (c.benign_world_repeats > 0) {
    const auto world = data::load_benign_world(data::default_benign_world_dir());
    for (const auto& line : world.train) lines.push_back(line.text);
    record["benign_world"] = {{"dir", world.dir.string()},
                              {"sha256", world.sha256},
                              {"train_packages", world.train_packages},
                              {"lines", world.train.size()},
                              {"repeats", c.benign_world_repeats}};
  }
  if (lines.size() < 2)
    throw InputError(config.where("pretrain.corpus") +
                     ": pretrain.corpus: expected at least 2 lines of text, got " +
                     std::to_string(lines.size()));
  // Fisher-Yates with the generator's RNG: the same corpus for a seed on every machine.
  data::gen::Rng rng(
      data::gen::stream_seed(static_cast<uint64_t>(config.training.seed), "pretraining-corpus"));
  std::vector<size_t> order(lines.size());
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  const size_t heldout = std::max<size_t>(
      1, static_cast<size_t>(std::ceil(c.heldout_fraction * static_cast<double>(lines.size()))));
  Corpus corpus;
  for (size_t i = order.size() - heldout; i < order.size(); ++i) corpus.heldout.push_back(lines[order[i]]);
  // Repeats of a world line stay on the side its first copy fell on, so no held-out line is trained on.
  const size_t repeats = static_cast<size_t>(std::max<int64_t>(1, c.benign_world_repeats));
  for (size_t i = 0; i + heldout < order.size(); ++i) {
    const size_t copies = order[i] >= world_begin ? repeats : 1;
    for (size_t k = 0; k < copies; ++k) corpus.train.push_back(lines[order[i]]);
  }
  record["train_lines"] = corpus.train.size();
  record["heldout_lines"] = corpus.heldout.size();
  corpus.record = record;
  return corpus;
}

data::TokenizedRows tokenize(const data::Tokenizer& tok, const std::vector<std::string>& lines,
                             int64_t max_length) {
  data::TokenizedRows rows;
  rows.input_ids = tok.encode_batch(lines, /*add_special_tokens=*/true, max_length);
  rows.labels.assign(rows.input_ids.size(), 0);
  return rows;
}

size_t count_tokens(const data::TokenizedRows& rows) {
  size_t n = 0;
  for (const auto& r : rows.input_ids) n += r.size();
  return n;
}

struct HeldoutResult {
  double loss = 0;
  double accuracy = 0;
  int64_t masked = 0;
};

// Masked-token loss and accuracy on the held-out lines, with the same masks every time.
HeldoutResult evaluate_heldout(models::MaskedLMImpl& model, const data::TokenizedRows& rows,
                               const MaskingSpec& spec, const Config& config, int64_t pad_id) {
  torch::NoGradGuard no_grad;
  model.eval();
  const auto plan =
      data::plan_eval_batches(data::row_lengths(rows), config.training.per_device_eval_batch_size,
                              /*sort_by_length=*/true);
  double loss_sum = 0;
  int64_t correct = 0, masked = 0;
  for (size_t b = 0; b < plan.size(); ++b) {
    const auto t = models::to_tensors(data::make_batch(rows, plan[b], pad_id));
    const auto m = mask_tokens(
        t.input_ids, t.attention_mask, spec,
        masking_seed(static_cast<uint64_t>(config.training.seed), /*epoch=*/-1, static_cast<int64_t>(b)));
    if (m.positions.numel() == 0) continue;
    torch::Tensor logits;
    {
      models::CpuAutocast autocast(config.training.bf16);
      logits = model.forward(m.input_ids, t.attention_mask, m.positions);
    }
    logits = logits.to(torch::kFloat);
    const torch::Tensor batch_loss = torch::nn::functional::cross_entropy(
        logits, m.targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    loss_sum += batch_loss.item().toDouble();
    correct += logits.argmax(-1).eq(m.targets).sum().item<int64_t>();
    masked += m.positions.numel();
  }
  model.train();
  HeldoutResult r;
  r.masked = masked;
  if (masked > 0)
    r.loss = loss_sum / static_cast<double>(masked), r.accuracy = static_cast<double>(correct) / masked;
  return r;
}

json model_record(const models::HFConfig& c, int64_t parameters) {
  return {{"model_type", c.model_type},
          {"hidden_size", c.hidden_size},
          {"num_hidden_layers", c.num_hidden_layers},
          {"num_attention_heads", c.num_attention_heads},
          {"intermediate_size", c.intermediate_size},
          {"vocab_size", c.vocab_size},
          {"max_position_embeddings", c.max_position_embeddings},
          {"parameters", parameters}};
}

// The config file the run came from and its sha256 (an embedded backbone is rebuilt when it changes).
json config_record(const Config& config) {
  std::error_code ec;
  if (config.source.empty() || !fs::is_regular_file(config.source, ec)) return nullptr;
  return {{"file", config.source}, {"sha256", sha256_file(config.source)}};
}

// The sha256 of a model dir's weights (model.safetensors, else the shard index), "" when neither exists.
std::string weights_sha256_of(const fs::path& dir) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"})
    if (fs::exists(dir / name)) return sha256_file(dir / name);
  return "";
}

}  // namespace

PretrainOutcome run_pretraining(const Config& config) {
  if (!config.pretrain)
    throw InputError(config.source + ": expected a `pretrain` section (the MLM job's settings)");
  const auto run_start = Clock::now();
  const auto& cfg = config.training;
  const auto& pre = *config.pretrain;
  // Data-parallel ranks (trainer/distributed.h), as train's: rank 0 evaluates, logs, checkpoints and
  // saves; one process per machine prepares the files its ranks read (here the trained tokenizer).
  const DistributedEnv env = distributed_env_from_environment();
  const auto group = join_process_group(env);
  const bool main = env.is_main();
  const bool prepares = env.prepares();
  models::apply_thread_policy(rank_threads(static_cast<int>(config.model.num_threads), env));
  if (group) std::cout << "distributed: " << env.summary() << "\n";
  const fs::path out = cfg.output_dir;
  fs::create_directories(out);
  const fs::path save_dir = pre.save_dir;
  // Everything of the final dir is assembled in a staging dir, then renamed into place.
  const fs::path staging = save_dir.parent_path() / (save_dir.filename().string() + ".partial");
  if (prepares) {
    for (const auto& line : clean_after_kill(out)) std::cerr << "cleanup: " << line << "\n";
    if (restore_replaced_dir(save_dir))
      std::cerr << "cleanup: restored " << save_dir.string() << " from " << save_dir.string()
                << ".old (an interrupted move)\n";
    fs::remove_all(staging);
    fs::create_directories(staging);
  }

  // Corpus.
  const Corpus corpus = build_corpus(config);
  std::cout << "corpus: " << corpus.train.size() << " training lines, " << corpus.heldout.size()
            << " held-out lines\n";

  // Tokenizer: trained on the training lines, or the model's own.
  json tokenizer_record;
  fs::path tokenizer_dir;
  fs::path model_dir;
  if (!config.model.random_init) {
    const auto found = models::resolve_model_dir(config.model.name_or_path);
    if (!found.dir)
      throw InputError(config.where("model.name_or_path") + ": " +
                       models::not_found_message(config.model.name_or_path, found));
    model_dir = *found.dir;
  }
  if (pre.tokenizer.train != "none") {
    const auto t0 = Clock::now();
    // The machine's preparing rank trains it into the staging dir; its other ranks then read the files.
    if (prepares)
      tokenizer_record =
          train_pretraining_tokenizer(pre.tokenizer, corpus.train, staging, config.model.max_length);
    if (group) group->barrier();
    tokenizer_record["seconds"] = seconds_since(t0);
    tokenizer_dir = staging;
    if (prepares)
      std::cout << "tokenizer: trained " << tokenizer_record["type"].get<std::string>() << ", "
                << tokenizer_record["vocab_size"] << " ids, in " << format_significant(seconds_since(t0), 3)
                << " s\n";
  } else {
    tokenizer_dir = config.model.tokenizer.empty() ? model_dir : fs::path(config.model.tokenizer);
    if (prepares) inference::copy_tokenizer_files(tokenizer_dir, staging);
    tokenizer_record = {{"type", "from " + tokenizer_dir.string()}};
  }
  data::TokenizerOptions tok_options;
  tok_options.lowercase = config.data.lowercase;
  const auto tokenizer = data::load_tokenizer(tokenizer_dir, tok_options);

  // Model.
  const auto seed = static_cast<uint64_t>(cfg.seed);
  models::MaskedLM model{nullptr};
  if (config.model.random_init) {
    auto hf = random_init_hf_config(*config.model.random_init, *tokenizer, config.model.max_length);
    model = models::create_masked_lm(hf, seed);
  } else {
    std::vector<std::string> fresh;
    model = models::load_masked_lm(model_dir, &fresh, seed);
    if (!fresh.empty())
      std::cout << "the checkpoint has no MLM head: " << fresh.size() << " head tensors start fresh\n";
  }
  const auto& hf = model->encoder->config;
  if (tokenizer->vocab_size() > hf.vocab_size)
    throw InputError(tokenizer_dir.string() + ": the tokenizer has " +
                     std::to_string(tokenizer->vocab_size()) + " ids but the model's vocabulary holds " +
                     std::to_string(hf.vocab_size));
  // Threads: auto (0) drops to one for a small model, which runs faster on one (models/threads.h).
  const std::string threads_note = models::settle_auto_threads(static_cast<int>(config.model.num_threads),
                                                               static_cast<int>(hf.hidden_size));
  if (!threads_note.empty()) std::cout << threads_note << "\n";
  const int threads = at::get_num_threads();
  int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  std::cout << "model: " << model->architecture() << ", hidden " << hf.hidden_size << ", "
            << hf.num_hidden_layers << " layers, " << parameters << " parameters\n";

  // Data.
  const auto t_tok = Clock::now();
  const auto train_rows = tokenize(*tokenizer, corpus.train, config.model.max_length);
  const auto heldout_rows = tokenize(*tokenizer, corpus.heldout, config.model.max_length);
  json corpus_record = corpus.record;
  corpus_record["train_tokens"] = count_tokens(train_rows);
  corpus_record["heldout_tokens"] = count_tokens(heldout_rows);
  std::cout << "tokenized " << corpus_record["train_tokens"] << " training tokens in "
            << format_significant(seconds_since(t_tok), 3) << " s\n";
  MaskingSpec spec;
  spec.probability = pre.mlm_probability;
  spec.mask_id = tokenizer->mask_id();
  spec.vocab_size = tokenizer->vocab_size();
  for (const int64_t id : {tokenizer->pad_id(), tokenizer->cls_id(), tokenizer->sep_id(), tokenizer->unk_id(),
                           tokenizer->mask_id()})
    if (id >= 0) spec.special_ids.push_back(id);
  if (spec.mask_id < 0)
    throw InputError(tokenizer_dir.string() + ": the tokenizer has no mask token (MLM needs one)");

  // Every rank starts from rank 0's weights.
  if (group) group->broadcast(model->parameters(), 0);

  // Optimizer and schedule.
  const auto groups = split_decay_groups(*model);
  const auto params = groups.all();
  auto optimizer = make_adamw(
      groups, {cfg.learning_rate, cfg.weight_decay, cfg.adam_beta1, cfg.adam_beta2, cfg.adam_epsilon});
  const auto lengths = data::row_lengths(train_rows);
  const int64_t steps_per_epoch = std::max<int64_t>(
      1, static_cast<int64_t>(
             data::plan_train_batches(lengths, cfg.per_device_train_batch_size, seed, 0).size()));
  const int64_t total_steps = cfg.max_steps > 0
                                  ? cfg.max_steps
                                  : static_cast<int64_t>(std::ceil(cfg.num_train_epochs * steps_per_epoch));
  const int64_t num_epochs = (total_steps + steps_per_epoch - 1) / steps_per_epoch;
  const LrSchedule schedule{parse_schedule_kind(cfg.lr_scheduler_type),
                            resolve_warmup_steps(cfg.warmup_steps, cfg.warmup_ratio, total_steps),
                            total_steps};
  TrainerState state;
  state.early_stopping = EarlyStopping("eval_loss", /*patience=*/0, /*threshold=*/0.0);
  // What a resume must match: the config, the tokenized corpus (tokenizer included), the starting weights.
  const json fingerprint = run_fingerprint(config,
                                           {{"train", rows_fingerprint(train_rows, "pretraining corpus")},
                                            {"validation", rows_fingerprint(heldout_rows, "held-out lines")}},
                                           model_dir.empty() ? std::string() : weights_sha256_of(model_dir));
  state.fingerprint = fingerprint;
  const fs::path metrics_file = out / "metrics.jsonl";
  if (!cfg.resume_from_checkpoint.empty()) {
    const auto dir = resolve_resume_checkpoint(cfg.resume_from_checkpoint, out);
    load_checkpoint(dir, *model, *optimizer, state, &fingerprint);
    state.fingerprint = fingerprint;
    if (main) truncate_metrics_after(metrics_file, state.global_step);
    if (main)
      std::cerr << "resuming from " << dir.string() << " after epoch " << state.epochs_completed
                << (state.epoch_batches > 0
                        ? " and " + std::to_string(state.epoch_batches) + " batches of epoch " +
                              std::to_string(state.epochs_completed + 1)
                        : std::string())
                << " (step " << state.global_step << ")\n";
  } else if (main) {
    std::ofstream(metrics_file, std::ios::trunc);
  }

  // The loop: epochs of length-bucketed batches with fresh masks.
  json loss_curve = json::array(), heldout_curve = json::array();
  HeldoutResult last_eval;
  std::ostream quiet(nullptr);  // ranks other than 0 draw no progress
  ProgressBar bar("pretrain", total_steps, main ? std::cerr : quiet);
  bar.update(state.global_step);
  model->train();
  for (int64_t epoch = state.epochs_completed + 1; epoch <= num_epochs; ++epoch) {
    const auto plan = data::plan_train_batches(lengths, cfg.per_device_train_batch_size, seed, epoch - 1);
    const auto epoch_start = Clock::now();
    const double seconds_before = state.train_seconds;
    double window_loss = 0;
    int64_t window_steps = 0, window_rows = 0, window_correct = 0, window_masked = 0;
    // A checkpoint inside this epoch (training.save_steps): its batch and running sums.
    const size_t first = std::min(static_cast<size_t>(state.epoch_batches), plan.size());
    if (first > 0 && !state.window.empty()) {
      window_loss = state.window.value("loss", 0.0);
      window_steps = state.window.value("steps", int64_t{0});
      window_rows = state.window.value("rows", int64_t{0});
      window_correct = state.window.value("correct", int64_t{0});
      window_masked = state.window.value("masked", int64_t{0});
    }
    auto window_start = Clock::now();
    if (group)  // each rank its own dropout masks, reproducibly per (seed, epoch, rank)
      torch::manual_seed(seed * 1000003u + static_cast<uint64_t>(epoch) * 7919u +
                         static_cast<uint64_t>(env.rank));
    for (size_t b = first; b < plan.size() && state.global_step < total_steps; ++b) {
      const auto t = models::to_tensors(data::make_batch(train_rows, plan[b], tokenizer->pad_id()));
      const auto m = mask_tokens(t.input_ids, t.attention_mask, spec,
                                 masking_seed(seed, epoch, static_cast<int64_t>(b)));
      if (m.positions.numel() == 0) continue;
      double loss_value = 0;
      int64_t correct = 0;
      const int64_t masked = m.positions.numel();
      if (group) {
        // This rank's rows of the batch, masked as the whole batch is; its loss is its part of the
        // batch's mean over every masked token.
        const auto [first_row, rows] = env.shard(t.input_ids.size(0));
        const int64_t T = t.input_ids.size(1);
        const auto mine = m.positions.ge(first_row * T).logical_and(m.positions.lt((first_row + rows) * T));
        const auto positions = m.positions.masked_select(mine) - first_row * T;
        const auto targets = m.targets.masked_select(mine);
        double local_loss = 0;
        int64_t local_correct = 0;
        if (positions.numel() > 0) {
          torch::Tensor logits;
          {
            models::CpuAutocast autocast(cfg.bf16);
            logits = model->forward(m.input_ids.narrow(0, first_row, rows),
                                    t.attention_mask.narrow(0, first_row, rows), positions);
          }
          const auto loss = torch::nn::functional::cross_entropy(
                                logits.to(torch::kFloat), targets,
                                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
                            static_cast<double>(masked);
          loss.backward();
          local_loss = loss.item<double>();
          local_correct = logits.argmax(-1).eq(targets).sum().item<int64_t>();
        }
        const auto sums = group->sum_gradients(params, {local_loss, static_cast<double>(local_correct)});
        loss_value = sums[0];
        correct = static_cast<int64_t>(std::llround(sums[1]));
      } else {
        torch::Tensor logits;  // [N, V]
        {
          models::CpuAutocast autocast(cfg.bf16);
          logits = model->forward(m.input_ids, t.attention_mask, m.positions);
        }
        const auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), m.targets);
        loss.backward();
        loss_value = loss.item<double>();
        correct = logits.argmax(-1).eq(m.targets).sum().item<int64_t>();
      }
      if (!std::isfinite(loss_value))
        throw std::runtime_error("pretraining diverged: the loss is " + format_significant(loss_value) +
                                 " at step " + std::to_string(state.global_step) +
                                 "; the last good checkpoint is in " + (out / "checkpoint").string() +
                                 "; try a lower training.learning_rate");
      set_learning_rate(*optimizer, cfg.learning_rate, schedule.multiplier(state.global_step));
      const double grad_norm = clip_gradients(params, cfg.max_grad_norm);
      optimizer->step();
      optimizer->zero_grad();
      state.global_step += 1;
      state.train_samples += t.input_ids.size(0);
      window_loss += loss_value;
      window_steps += 1;
      window_rows += t.input_ids.size(0);
      window_correct += correct;
      window_masked += masked;
      const double rate = window_rows / std::max(1e-9, seconds_since(window_start));
      bar.update(
          state.global_step,
          {{"epoch", std::to_string(epoch)},
           {"loss", format_significant(window_loss / window_steps)},
           {"masked_acc",
            format_significant(static_cast<double>(window_correct) / std::max<int64_t>(1, window_masked), 3)},
           {"lr", format_significant(learning_rate(*optimizer), 3)},
           {"samples/s", format_significant(rate, 3)}});
      if (state.global_step % cfg.logging_steps == 0 || state.global_step == total_steps) {
        const double mean = window_loss / window_steps;
        if (main)
          append_metrics_line(metrics_file, {{"step", state.global_step},
                                             {"epoch", epoch - 1 + static_cast<double>(b + 1) / plan.size()},
                                             {"loss", mean},
                                             {"masked_accuracy", static_cast<double>(window_correct) /
                                                                     std::max<int64_t>(1, window_masked)},
                                             {"learning_rate", learning_rate(*optimizer)},
                                             {"grad_norm", grad_norm},
                                             {"train_samples_per_second", rate}});
        window_loss = 0, window_steps = 0, window_rows = 0, window_correct = 0, window_masked = 0;
        window_start = Clock::now();
      }
      if (cfg.save_strategy == "epoch" && cfg.save_steps > 0 && state.global_step % cfg.save_steps == 0) {
        state.epoch_batches = static_cast<int64_t>(b + 1);
        state.window = {{"loss", window_loss},
                        {"steps", window_steps},
                        {"rows", window_rows},
                        {"correct", window_correct},
                        {"masked", window_masked}};
        state.train_seconds = seconds_before + seconds_since(epoch_start);
        if (main) save_checkpoint(out, *model, *optimizer, state, {});
      }
    }
    state.train_seconds = seconds_before + seconds_since(epoch_start);
    state.epoch_batches = 0;
    state.window = json::object();
    state.epochs_completed = epoch;
    if (!main) continue;  // rank 0 evaluates the held-out lines and checkpoints
    last_eval = evaluate_heldout(*model, heldout_rows, spec, config, tokenizer->pad_id());
    state.early_stopping.update(last_eval.loss, state.global_step, epoch);
    append_metrics_line(metrics_file, {{"step", state.global_step},
                                       {"epoch", epoch},
                                       {"eval_loss", last_eval.loss},
                                       {"eval_masked_accuracy", last_eval.accuracy},
                                       {"eval_masked_tokens", last_eval.masked}});
    std::cerr << "held-out epoch " << epoch << " step " << state.global_step << ": masked-token loss "
              << format_significant(last_eval.loss) << ", accuracy " << format_significant(last_eval.accuracy)
              << " (" << last_eval.masked << " masked tokens)\n";
    if (cfg.save_strategy == "epoch") save_checkpoint(out, *model, *optimizer, state, {});
  }
  bar.finish();
  if (!main) return {};  // rank 0 saves the model
  if (last_eval.masked == 0)
    last_eval = evaluate_heldout(*model, heldout_rows, spec, config, tokenizer->pad_id());

  // The metrics log holds the loss curve; the record keeps it too.
  {
    std::ifstream in(metrics_file);
    std::string line;
    while (std::getline(in, line)) {
      const auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) continue;
      if (j.contains("loss")) loss_curve.push_back({j["step"], j["loss"]});
      if (j.contains("eval_loss"))
        heldout_curve.push_back({{"epoch", j["epoch"]},
                                 {"step", j["step"]},
                                 {"loss", j["eval_loss"]},
                                 {"masked_accuracy", j["eval_masked_accuracy"]}});
    }
  }

  // The HF dir.
  models::save_masked_lm(*model, staging, pre.save_dtype == "bf16" ? torch::kBFloat16 : torch::kFloat);
  const double train_seconds = state.train_seconds;
  json record = {{"architecture", model->architecture()},
                 {"model", model_record(hf, parameters)},
                 {"continued_from", model_dir.empty() ? json(nullptr) : json(model_dir.string())},
                 {"config", config_record(config)},
                 {"corpus", corpus_record},
                 {"tokenizer", tokenizer_record},
                 {"mlm_probability", pre.mlm_probability},
                 {"training",
                  {{"seed", cfg.seed},
                   {"steps", state.global_step},
                   {"epochs", state.epochs_completed},
                   {"batch_size", cfg.per_device_train_batch_size},
                   {"learning_rate", cfg.learning_rate},
                   {"lr_scheduler_type", cfg.lr_scheduler_type},
                   {"max_length", config.model.max_length},
                   {"bf16", cfg.bf16},
                   {"threads", threads},
                   {"train_seconds", train_seconds}}},
                 {"loss_curve", loss_curve},
                 {"heldout", heldout_curve},
                 {"heldout_masked_accuracy", last_eval.accuracy},
                 {"heldout_loss", last_eval.loss},
                 {"save_dtype", pre.save_dtype},
                 {"weights_sha256", sha256_file(staging / "model.safetensors")},
                 {"wall_seconds", seconds_since(run_start)}};
  write_file_atomic(staging / "pretraining.json", record.dump(2) + "\n");
  if (!save_dir.parent_path().empty()) fs::create_directories(save_dir.parent_path());
  replace_dir(staging, save_dir);  // the previous model or the new one at every moment
  std::cout << "pretrained " << state.global_step << " steps in " << format_significant(train_seconds, 4)
            << " s; held-out masked-token accuracy " << format_significant(last_eval.accuracy) << " (loss "
            << format_significant(last_eval.loss) << ")\nwrote " << save_dir.string() << " ("
            << model->architecture() << ", sha256 " << record["weights_sha256"].get<std::string>() << ")\n";

  PretrainOutcome outcome;
  outcome.save_dir = save_dir;
  outcome.global_step = state.global_step;
  outcome.epochs_completed = state.epochs_completed;
  outcome.train_seconds = train_seconds;
  outcome.heldout_loss = last_eval.loss;
  outcome.heldout_masked_accuracy = last_eval.accuracy;
  outcome.record = record;
  return outcome;
}

}  // namespace attune::trainer
