#include "trainer/run.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/file_digest.h"
#include "base/file_io.h"
#include "base/process_memory.h"
#include "base/progress.h"
#include "base/strings.h"
#include "data/csv.h"
#include "data/tokenizers/tokenizer.h"
#include "inference/calibration.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "inference/model_card.h"
#include "inference/operating_point_report.h"
#include "inference/real_data.h"
#include "inference/report.h"
#include "models/model_factory.h"
#include "models/resolve.h"
#include "models/safetensors.h"
#include "models/threads.h"
#include "peft/bitfit.h"
#include "peft/lora.h"
#include "peft/trainable.h"
#include "trainer/backbone_config.h"
#include "trainer/checkpoint.h"
#include "trainer/classic.h"
#include "trainer/config_schema.h"
#include "trainer/dataset.h"
#include "trainer/distributed.h"
#include "trainer/embedded.h"
#include "trainer/train_loop.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {

peft::LoraConfig lora_config(const Config& config, const Backbone& backbone) {
  peft::LoraConfig l = config.peft;  // the settings peft.* set; the method is not PEFT's
  l.base_model_name_or_path = backbone.dir.empty() ? backbone.name : backbone.dir.string();
  return l;
}

// The SHA-256 of a model dir's weights (model.safetensors, else the shard index), "" when neither exists.
std::string weights_sha256(const fs::path& dir) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"})
    if (fs::exists(dir / name)) return sha256_file(dir / name);
  return "";
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void print_report(const std::string& title, const inference::EvalResult& r,
                  const inference::OperatingPointReport* op = nullptr) {
  std::cout << "\n== " << title << " ==\n" << inference::report_text(r);
  if (op) std::cout << "\n" << inference::operating_point_text(*op);
  std::cout << std::flush;
}

// The id of data.benign_label among the run's labels; InputError naming the key's line (or that of
// export.max_benign_fpr when the label is the default) when it is not one of them.
int64_t benign_label_id(const Config& config, const std::vector<std::string>& labels) {
  const auto it = std::find(labels.begin(), labels.end(), config.data.benign_label);
  if (it != labels.end()) return it - labels.begin();
  const bool given = config.key_locations.count("data.benign_label") > 0;
  throw InputError(config.where(given ? "data.benign_label" : "export.max_benign_fpr") +
                   ": data.benign_label: '" + config.data.benign_label + "' is not among the labels (" +
                   join(labels, ", ") + "); export.max_benign_fpr needs the benign class");
}

// Temperature scaling and, with export.max_benign_fpr, the operating point, both fitted on the validation
// split's logits of the model as exported; recorded into `pre` and printed.
inference::TemperatureFit calibrate(const Config& config, models::SequenceClassifier& model,
                                    const Split& validation, std::optional<int64_t> benign_id,
                                    const inference::InferenceSettings& settings,
                                    inference::Preprocessing& pre) {
  const auto predictions = inference::predict(model, validation.rows.input_ids, settings);  // raw logits
  const auto weights = inference::metric_weights(validation.rows);
  const auto fit = inference::fit_temperature(predictions.logits, validation.rows.labels, weights);
  pre.temperature = fit.temperature;
  std::cout << "calibration: temperature " << fixed(fit.temperature, 4) << " fitted on "
            << validation.rows.labels.size() << " validation rows (NLL " << fixed(fit.nll_before, 4)
            << " at T = 1, " << fixed(fit.nll_after, 4) << " after)"
            << (fit.at_bound
                    ? "; at the edge of the search range [0.01, 100]: validation gives no finite optimum"
                    : "")
            << "\n";
  if (!benign_id) return fit;
  const double bound = *config.export_.max_benign_fpr;
  const auto probabilities = torch::softmax(predictions.logits / fit.temperature, /*dim=*/-1);
  pre.operating_point = inference::choose_operating_point(probabilities, validation.rows.labels, weights,
                                                          config.data.benign_label, *benign_id, bound);
  const auto& op = *pre.operating_point;
  std::cout << "operating point: " << op.describe() << "; on validation: benign FPR "
            << fixed(op.validation_benign_fpr, 6) << " over " << op.validation_benign_rows
            << " benign rows, attack recall " << fixed(op.validation_attack_recall, 4) << "\n";
  if (op.validation_benign_rows * bound < 1)
    std::cout << "note: " << op.validation_benign_rows << " benign validation rows allow none above the "
              << "threshold at a bound of " << bound << ": validation cannot show FPRs below "
              << fixed(1 / std::max(1.0, op.validation_benign_rows), 6) << "\n";
  return fit;
}

// The calibration block of run_summary.json, which `export --run` reads back (restore_calibration).
nlohmann::json calibration_json(const inference::TemperatureFit& fit, const inference::Preprocessing& pre) {
  return {
      {"temperature", fit.temperature},
      {"validation_nll_before", fit.nll_before},
      {"validation_nll_after", fit.nll_after},
      {"at_bound", fit.at_bound},
      {"operating_point", pre.operating_point ? pre.operating_point->to_json() : nlohmann::json(nullptr)}};
}

// The temperature and operating point a run recorded in its run_summary.json ("calibration"), into `pre`;
// a run without one (older, or stopped before the end) keeps T = 1 and argmax, and says so.
void restore_calibration(const fs::path& run_dir, inference::Preprocessing& pre) {
  const fs::path file = run_dir / "run_summary.json";
  std::ifstream in(file);
  nlohmann::json summary;
  if (in) summary = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!summary.is_object() || !summary.contains("calibration")) {
    std::cout << "export: " << file.string() << " holds no calibration: exporting with temperature 1 and no "
              << "operating point\n";
    return;
  }
  const auto& c = summary["calibration"];
  try {
    pre.temperature = c.at("temperature").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() + ": calibration.temperature: expected a number (" + e.what() + ")");
  }
  if (c.contains("operating_point") && !c["operating_point"].is_null())
    pre.operating_point =
        inference::OperatingPoint::from_json(c["operating_point"], pre.labels, file.string());
}

// How the run trained, in words, for the model card.
nlohmann::json card_settings(const Config& config) {
  using schema::format_number;
  const auto& t = config.training;
  const auto& d = config.data;
  std::string data = d.generate ? "gen-data preset " + d.generate->preset + " (seed " +
                                      std::to_string(d.generate->seed) + ")"
                     : d.split ? d.split->file
                               : d.train_file;
  if (d.split)
    data += ", split " + format_number(d.split->train) + "/" + format_number(d.split->validation) + "/" +
            format_number(d.split->test) + " (seed " + std::to_string(d.split->seed) + ")";
  if (d.group_rare)
    data += ", labels under " + format_number(d.group_rare->min_count) + " observations grouped as " +
            d.group_rare->label;
  nlohmann::json peft = nullptr;
  if (config.peft.method == "lora") {
    std::string targets = config.peft.target_modules.regex ? *config.peft.target_modules.regex
                          : config.peft.target_modules.names.empty()
                              ? std::string("the architecture's defaults")
                              : join(config.peft.target_modules.names, ", ");
    peft = "r " + std::to_string(config.peft.r) + ", lora_alpha " + format_number(config.peft.lora_alpha) +
           ", lora_dropout " + format_number(config.peft.lora_dropout) + " on " + targets;
  } else if (config.peft.method == "bitfit") {
    peft = "only the biases (and the classification head) trained";
  }
  std::string training;
  if (config.model.type == "tfidf_logreg") {
    std::string grid;
    for (const double c : config.model.tfidf_logreg->C) grid += (grid.empty() ? "" : ", ") + format_number(c);
    training = "L-BFGS on the L2-regularised multinomial log-loss, C from {" + grid + "} by " +
               std::to_string(config.model.tfidf_logreg->cv_folds) + "-fold stratified cross-validation";
  } else {
    training =
        (t.max_steps > 0 ? std::to_string(t.max_steps) + " steps"
                         : format_number(t.num_train_epochs) + " epochs") +
        " at most, batch " + std::to_string(t.per_device_train_batch_size) + ", learning rate " +
        format_number(t.learning_rate) + " (" + t.lr_scheduler_type + "), weight decay " +
        format_number(t.weight_decay) + (t.bf16 ? ", bf16 autocast" : ", fp32") + ", seed " +
        std::to_string(t.seed) +
        (t.early_stopping_patience > 0 ? ", early stopping on " + t.metric_for_best_model + " (patience " +
                                             std::to_string(t.early_stopping_patience) + ")"
                                       : "");
  }
  training += t.use_sample_weights ? "; the count column (when present) weighs each row" : "";
  return {{"model_type", config.model.type},
          {"method", config.peft.method},
          {"peft", peft},
          {"training", training},
          {"data", data}};
}

// README.md (the model card) in each export dir that exists.
void write_model_cards(const Config& config, const nlohmann::json& summary,
                       const inference::Preprocessing& pre, const fs::path& export_dir) {
  for (const char* kind : {"merged", "adapter"})
    if (fs::exists(export_dir / kind / inference::kAttuneFile))
      inference::write_model_card(export_dir / kind, {summary, pre, card_settings(config), kind});
}

// What a killed run may have left, cleaned before this one writes anything: an interrupted checkpoint
// swap or write (clean_after_kill), staged or half-moved export dirs, temporary files of dead writers in
// the output, export and data dirs. Says what it did on stderr.
void clean_after_killed_run(const Config& config) {
  std::vector<std::string> done = clean_after_kill(config.training.output_dir);
  const fs::path export_dir = config.export_.dir;
  const fs::path staging = export_staging_dir(export_dir);
  std::error_code ec;
  if (fs::exists(staging, ec)) {
    fs::remove_all(staging);
    done.push_back("removed " + staging.string() + " (an export cut short)");
  }
  for (const char* kind : {"base", "adapter", "merged"}) {
    const fs::path dir = export_dir / kind;
    if (restore_replaced_dir(dir))
      done.push_back("restored " + dir.string() + " from " + dir.string() + ".old (an interrupted move)");
    if (fs::exists(dir.string() + ".partial", ec)) {
      fs::remove_all(dir.string() + ".partial");
      done.push_back("removed " + dir.string() + ".partial (an export cut short)");
    }
  }
  std::vector<fs::path> data_dirs;
  if (config.data.generate) data_dirs.push_back(config.data.generate->out_dir);
  if (config.data.split) data_dirs.push_back(config.data.split->out_dir);
  for (const auto& dir : data_dirs)
    for (const auto& name : remove_stale_temp_files(dir))
      done.push_back("removed " + (dir / name).string() + " (a file cut short)");
  for (const auto& line : done) std::cerr << "cleanup: " << line << "\n";
}

// InputError unless `checkpoint` (its state read as `state`) was trained with `config`'s fingerprinted keys
// on `backbone`; the data are compared by the loop when it resumes.
void check_trained_by(const fs::path& checkpoint, const TrainerState& state, const Config& config,
                      const Backbone& backbone) {
  check_fingerprint(checkpoint, state.fingerprint,
                    {{"config", config_fingerprint(config)}, {"backbone_sha256", backbone.sha256}});
}

// A fresh run's output dir holds nothing of an earlier run that could pass for this one's: its
// checkpoint (a later --resume or `export --run` would take it) and reports.
void remove_previous_results(const fs::path& out) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const char* name : {"checkpoint", "checkpoint.old"})
    if (fs::exists(out / name, ec)) fs::remove_all(out / name), removed.push_back(name);
  for (const char* name :
       {"run_summary.json", "test_report.json", "test_report.txt", "stress_report.json", "stress_report.txt"})
    if (fs::remove(out / name, ec)) removed.push_back(name);
  if (!removed.empty())
    std::cerr << "fresh run: removed the previous run's " << join(removed, ", ") << " from " << out.string()
              << " (--resume continues a run instead)\n";
}

}  // namespace

nlohmann::json Backbone::to_json() const {
  return {{"name", name},
          {"path", dir.string()},
          {"how", how},
          {"sha256", sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(sha256)},
          {"tokenizer", tokenizer_dir.string()}};
}

std::string Backbone::describe() const {
  std::string s = name + " (" + how;
  if (!dir.empty()) s += ", " + dir.string();
  if (!sha256.empty()) s += ", weights sha256 " + sha256;
  return s + ")";
}

Backbone resolve_backbone(const Config& config) {
  if (config.model.classic()) return classic_backbone(config);
  Backbone b;
  const auto& m = config.model;
  if (m.random_init) {
    b.name = "random-init " + m.random_init->model_type;
    b.how = "random-init";
    b.tokenizer_dir = m.tokenizer;
    if (b.tokenizer_dir.empty())
      throw InputError(config.where("model.tokenizer") +
                       ": model.tokenizer: a random-init model needs a tokenizer dir");
    return b;
  }
  const auto found = models::resolve_model_dir(m.name_or_path);
  if (!found.dir) {
    if (m.fallback != "embedded")
      throw InputError(config.where("model.name_or_path") + ": " +
                       models::not_found_message(m.name_or_path, found));
    const std::string embedded = embedded_backbone_for(m.name_or_path);
    std::cout << "'" << m.name_or_path << "' is not on this machine (looked in: " << join(found.looked, "; ")
              << "); model.fallback is embedded: using attune's pretrained " << embedded
              << " backbone instead\n"
              << std::flush;
    const auto e = ensure_embedded_backbone(embedded);
    b.name = e.name;
    b.dir = e.dir;
    b.how = "embedded (fallback for " + m.name_or_path + ")";
    b.sha256 = e.sha256;
    b.tokenizer_dir = m.tokenizer.empty() ? b.dir : fs::path(m.tokenizer);
    return b;
  }
  b.name = m.name_or_path;
  b.dir = *found.dir;
  b.how = found.how;
  b.tokenizer_dir = m.tokenizer.empty() ? b.dir : fs::path(m.tokenizer);
  b.sha256 = weights_sha256(b.dir);
  return b;
}

std::unique_ptr<data::Tokenizer> load_run_tokenizer(const Config& config, const Backbone& backbone) {
  data::TokenizerOptions options;
  options.lowercase = config.data.lowercase;
  return data::load_tokenizer(backbone.tokenizer_dir, options);
}

RunModel build_model_for_config(const Config& config, const Backbone& backbone,
                                const data::Tokenizer& tokenizer, const std::vector<std::string>& labels,
                                bool verbose) {
  if (config.model.classic()) {
    RunModel built = build_classic_model(config, tokenizer, labels);
    if (verbose)
      std::cout << config.model.type << ": " << peft::trainable_summary(peft::count_parameters(*built.model))
                << "\n";
    return built;
  }
  RunModel built;
  const auto seed = static_cast<uint64_t>(config.training.seed);
  if (config.model.random_init) {
    auto hf = random_init_hf_config(*config.model.random_init, tokenizer, config.model.max_length);
    models::set_labels(hf, labels);
    built.random_init_hf = hf;
    built.model = models::create_model(hf, seed);
  } else {
    models::LoadReport report;
    built.model = models::load_model(backbone.dir, &report, static_cast<int64_t>(labels.size()), seed);
    if (verbose && !report.newly_initialized.empty()) {
      std::cout << "newly initialized (not in the checkpoint, trained from scratch):";
      for (const auto& k : report.newly_initialized) std::cout << " " << k;
      std::cout << "\n";
    }
    if (verbose && !report.unused_keys.empty())
      std::cout << "unused checkpoint keys: " << report.unused_keys.size() << "\n";
  }
  auto& model = *built.model;
  models::set_labels(model.config, labels);
  if (model.config.max_position_embeddings <
      config.model.max_length + (model.config.model_type == "roberta" ? 2 : 0))
    throw InputError(config.where("model.max_length") +
                     ": model.max_length: " + std::to_string(config.model.max_length) +
                     " exceeds what the backbone's max_position_embeddings (" +
                     std::to_string(model.config.max_position_embeddings) + ") allows");
  torch::manual_seed(seed);
  if (config.peft.method == "lora")
    built.lora = peft::apply_lora(model, lora_config(config, backbone));
  else {
    peft::apply_method(model, config.peft.method);
    // peft.modules_to_save, as LoRA takes it: these modules train whole too.
    if (config.peft.modules_to_save)
      peft::mark_modules_to_save(model, *config.peft.modules_to_save, config.where("peft.modules_to_save"));
  }
  if (verbose)
    std::cout << config.peft.method << ": " << peft::trainable_summary(peft::count_parameters(model)) << "\n";
  return built;
}

inference::Preprocessing run_preprocessing(const Config& config, const Backbone& backbone,
                                           const std::vector<std::string>& labels) {
  inference::Preprocessing pre;
  pre.lowercase = config.data.lowercase;
  pre.max_length = config.model.max_length;
  pre.labels = labels;
  pre.backbone = backbone.to_json();
  pre.bf16 = config.training.bf16;
  return pre;
}

void export_run_model(const Config& config, const Backbone& backbone, RunModel& built,
                      const inference::Preprocessing& pre, const fs::path& dir, bool merged, bool adapter,
                      torch::ScalarType dtype, const fs::path& final_dir) {
  if (adapter && !built.lora)
    throw InputError("export: --adapter: peft.method is '" + config.peft.method +
                     "'; only LoRA has an adapter to export (use --merged)");
  if (adapter) {
    auto info = *built.lora;
    if (built.random_init_hf) {
      // The random-init backbone exists nowhere else: write it beside the adapter, which names it.
      const fs::path base = dir / "base";
      models::save_model(
          *models::create_model(*built.random_init_hf, static_cast<uint64_t>(config.training.seed)), base);
      inference::copy_tokenizer_files(backbone.tokenizer_dir, base);
      info.config.base_model_name_or_path =
          fs::absolute((final_dir.empty() ? dir : final_dir) / "base").lexically_normal().string();
    }
    inference::export_adapter(dir / "adapter", *built.model, info, backbone.tokenizer_dir, pre, dtype);
  }
  if (merged) {
    inference::export_merged(dir / "merged", *built.model, backbone.tokenizer_dir, pre, dtype);
    built.lora.reset();  // merged and unloaded
  }
}

fs::path export_staging_dir(const fs::path& dir) {
  return dir.lexically_normal().string() + ".partial";
}

void publish_export(const fs::path& staging, const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* kind : {"base", "adapter", "merged"})
    if (fs::exists(staging / kind)) {
      replace_dir(staging / kind, dir / kind);
      std::cout << "exported "
                << (std::string(kind) == "merged"    ? "the merged model"
                    : std::string(kind) == "adapter" ? "the PEFT adapter"
                                                     : "the adapter's random-init base")
                << " to " << (dir / kind).string() << "\n";
    }
  fs::remove_all(staging);
}

void run_training(const Config& config) {
  const auto run_start = std::chrono::steady_clock::now();
  // A data-parallel rank (trainer/distributed.h) joins its group first: a missing peer fails here, before
  // any work.
  const DistributedEnv env = distributed_env_from_environment();
  if (env.active() && config.model.classic())
    throw InputError(config.where("model.type") + ": model.type " + config.model.type +
                     ": the classic baselines train in one process; run without --nproc-per-node or "
                     "WORLD_SIZE");
  const auto group = join_process_group(env);
  const bool main = env.is_main();
  const bool prepares = env.prepares();
  std::cout << "threads: "
            << models::describe(
                   models::apply_thread_policy(rank_threads(static_cast<int>(config.model.num_threads), env)))
            << "\n";
  if (group) std::cout << "distributed: " << env.summary() << "\n";
  const fs::path out = config.training.output_dir;
  const bool resuming = !config.training.resume_from_checkpoint.empty();
  if (prepares) clean_after_killed_run(config);
  if (group) {
    // One process per machine prepares the files its ranks read (generated or split data, an embedded
    // backbone that must be built); the others wait for it.
    if (prepares) {
      resolve_backbone(config);
      prepare_data(config);
    }
    group->barrier();
  }

  // Backbone and tokenizer.
  const Backbone backbone = resolve_backbone(config);
  std::cout << "backbone: " << backbone.describe() << "\n";
  const bool classic = config.model.classic();
  if (classic) {
    // Nothing pretrained: the tokenizer is fitted on this run's training split.
    prepare_data(config);
    fit_classic_tokenizer(config, backbone);
  }
  const auto tokenizer = load_run_tokenizer(config, backbone);

  // Data.
  const Dataset dataset = load_dataset(config, *tokenizer, std::nullopt, /*prepare=*/!classic && !group);
  std::optional<int64_t> benign_id;
  if (config.export_.max_benign_fpr) benign_id = benign_label_id(config, dataset.labels.labels());
  const auto pad_stats = data::padding_stats(
      data::row_lengths(dataset.train.rows),
      data::plan_train_batches(data::row_lengths(dataset.train.rows),
                               config.training.per_device_train_batch_size,
                               static_cast<uint64_t>(config.training.seed), 0,
                               config.training.length_bucketing ? data::kDefaultBucketBatches : 1),
      static_cast<size_t>(config.model.max_length));
  std::cout << "data: " << dataset.train.rows.labels.size() << " train, "
            << dataset.validation.rows.labels.size() << " validation, " << dataset.test.rows.labels.size()
            << " test rows"
            << (dataset.stress ? ", " + std::to_string(dataset.stress->rows.labels.size()) + " stress" : "")
            << (dataset.real_benign
                    ? ", " + std::to_string(dataset.real_benign->rows.labels.size()) + " real benign"
                    : "")
            << (dataset.real_attacks
                    ? ", " + std::to_string(dataset.real_attacks->rows.labels.size()) + " real attack"
                    : "")
            << "; " << dataset.labels.size() << " labels; tokenized in " << fixed(dataset.tokenize_seconds, 2)
            << " s\n"
            << "batching: "
            << (config.training.length_bucketing ? "length buckets"
                                                 : "shuffled batches (length_bucketing off)")
            << " pad to " << pad_stats.bucketed_tokens << " tokens per epoch vs "
            << pad_stats.max_length_tokens << " at max_length " << config.model.max_length << " ("
            << fixed(100 * pad_stats.saved_fraction(), 1) << "% less work; "
            << fixed(100 * pad_stats.padding_fraction(), 1) << "% of batched tokens are padding)\n";

  // Model and PEFT.
  RunModel built =
      build_model_for_config(config, backbone, *tokenizer, dataset.labels.labels(), /*verbose=*/true);

  // Threads: auto (0) drops to one for a small model, which runs faster on one (models/threads.h).
  const std::string threads_note = models::settle_auto_threads(
      static_cast<int>(config.model.num_threads), static_cast<int>(built.model->config.hidden_size));
  if (!threads_note.empty()) std::cout << threads_note << "\n";

  // The run takes over its output dir here, once its data and model are built: a run that stopped before
  // (bad input, no backbone, a checkpoint of another config) leaves an earlier run's files as they were.
  if (main) {
    if (!resuming) {
      remove_previous_results(out);
    } else {
      const fs::path checkpoint = resolve_resume_checkpoint(config.training.resume_from_checkpoint, out);
      check_trained_by(checkpoint, read_trainer_state(checkpoint), config, backbone);
    }
    // The resolved config says which backbone the run used (a comment: the file still reads back as is).
    write_resolved_config(config, out / "resolved_config.yaml",
                          "# backbone used: " + backbone.describe() + "\n");
  }

  // Training: the loop, or (tfidf_logreg) L-BFGS with a cross-validated C.
  nlohmann::json logreg_details;
  LoopOutcome outcome;
  if (config.model.type == "tfidf_logreg") {
    auto fitted = fit_tfidf_logreg(static_cast<models::TfidfLogreg&>(*built.model), dataset, config);
    outcome = fitted.loop;
    logreg_details = fitted.details;
  } else {
    outcome = train_loop(*built.model, dataset, config, tokenizer->pad_id(), backbone.sha256, group.get());
  }
  if (!main) return;  // rank 0 reports and exports
  if (config.model.type == "tfidf_logreg")
    std::cout << "fitted in " << fixed(outcome.train_seconds, 1) << " s (cross-validation included)\n";
  else
    std::cout << "trained " << outcome.epochs_completed << " epochs (" << outcome.global_step << " steps"
              << (outcome.stopped_early ? ", stopped early" : "") << ") in "
              << fixed(outcome.train_seconds, 1) << " s, " << fixed(outcome.train_samples_per_second, 1)
              << " samples/s\n";

  // Export (staged beside export.dir until the calibration, reports and model cards are in), then the
  // test report on the model as exported.
  inference::Preprocessing pre = run_preprocessing(config, backbone, dataset.labels.labels());
  const auto dtype = config.export_.dtype == "bf16" ? torch::kBFloat16 : torch::kFloat;
  const fs::path final_export_dir = config.export_.dir;
  const fs::path export_dir = export_staging_dir(final_export_dir);
  fs::remove_all(export_dir);
  const bool export_adapter = config.export_.adapter && built.lora.has_value();
  export_run_model(config, backbone, built, pre, export_dir, config.export_.merged, export_adapter, dtype,
                   final_export_dir);
  std::shared_ptr<models::SequenceClassifier> test_model = built.model;
  if (config.export_.merged) test_model = inference::load_model_dir(export_dir / "merged").model;
  inference::InferenceSettings infer{config.training.per_device_eval_batch_size, tokenizer->pad_id(),
                                     config.training.bf16};
  // Calibration on validation, recorded into the exported dirs' attune.json.
  const auto fit = calibrate(config, *test_model, dataset.validation, benign_id, infer, pre);
  infer.temperature = fit.temperature;
  if (config.export_.merged) inference::write_preprocessing(export_dir / "merged", pre);
  if (export_adapter) inference::write_preprocessing(export_dir / "adapter", pre);
  // A split's report, with the operating point's beside the argmax one where there is one.
  const auto& labels = dataset.labels.labels();
  auto evaluate_split = [&](const Split& split, const std::string& stem, nlohmann::json& json_out) {
    inference::Predictions predictions;
    const auto result = inference::evaluate(*test_model, split.rows, labels, infer, &predictions);
    std::optional<inference::OperatingPointReport> op;
    if (pre.operating_point)
      op = inference::operating_point_report(predictions, split.rows.labels,
                                             inference::metric_weights(split.rows), labels,
                                             *pre.operating_point, pre.temperature);
    if (stem == "test")
      std::cout << "test evaluation: " << result.rows << " rows in " << fixed(result.runtime_s, 2) << " s ("
                << fixed(result.samples_per_second, 1) << " samples/s)\n";
    print_report(stem + " (" + split.file.string() + ")", result, op ? &*op : nullptr);
    inference::write_test_report(out, result, stem, backbone.to_json(), op ? &*op : nullptr);
    json_out = inference::report_json(result);
    if (op) json_out["operating_point"] = inference::operating_point_json(*op);
  };
  nlohmann::json test_json;
  evaluate_split(dataset.test, "test", test_json);
  nlohmann::json summary = {{"backbone", backbone.to_json()},
                            {"model_type", config.model.type},
                            {"method", config.peft.method},
                            {"epochs_completed", outcome.epochs_completed},
                            {"global_step", outcome.global_step},
                            {"stopped_early", outcome.stopped_early},
                            {"train_seconds", outcome.train_seconds},
                            {"train_samples_per_second", outcome.train_samples_per_second},
                            {"best_epoch", outcome.best_epoch},
                            {"best_metric", {{config.training.metric_for_best_model, outcome.best_metric}}},
                            {"validation", inference::report_json(outcome.best_eval)},
                            {"calibration", calibration_json(fit, pre)},
                            {"test", test_json},
                            {"padding",
                             {{"bucketed_tokens", pad_stats.bucketed_tokens},
                              {"max_length_tokens", pad_stats.max_length_tokens},
                              {"saved_fraction", pad_stats.saved_fraction()}}}};
  if (!logreg_details.is_null()) summary["logreg"] = logreg_details;
  if (dataset.stress) evaluate_split(*dataset.stress, "stress", summary["stress"]);
  if (dataset.real_benign || dataset.real_attacks) {
    // The real-data proxy: real command lines none of which was trained on.
    data::TokenizedRows rows;
    std::vector<std::string> files;
    for (const auto* split : {&dataset.real_benign, &dataset.real_attacks})
      if (*split) {
        files.push_back((*split)->file.string());
        rows.input_ids.insert(rows.input_ids.end(), (*split)->rows.input_ids.begin(),
                              (*split)->rows.input_ids.end());
        rows.labels.insert(rows.labels.end(), (*split)->rows.labels.begin(), (*split)->rows.labels.end());
      }
    const auto it = std::find(labels.begin(), labels.end(), config.data.benign_label);
    if (it != labels.end()) {
      const auto predictions = inference::predict(*test_model, rows.input_ids, infer);
      const auto real = inference::summarize_real_data(predictions, rows.labels, labels, it - labels.begin(),
                                                       pre.operating_point ? &*pre.operating_point : nullptr);
      std::cout << "\n== real-data proxy (" << join(files, ", ") << ") ==\n"
                << inference::real_data_text(real);
      summary["real_data"] = inference::real_data_json(real);
      summary["real_data"]["files"] = files;
    }
  }
  summary["wall_seconds"] = seconds_since(run_start);
  summary["num_threads"] = at::get_num_threads();
  summary["peak_rss_mib"] = peak_rss_mib();
  write_model_cards(config, summary, pre, export_dir);
  write_file_atomic(out / "run_summary.json", summary.dump(2) + "\n");
  publish_export(export_dir, final_export_dir);
  std::cout << "\nreports: " << (out / "test_report.txt").string()
            << "; backbone used: " << backbone.describe() << "\n";
}

}  // namespace attune::trainer

namespace attune::trainer {

void export_from_run(const fs::path& run_dir, const fs::path& out, bool merged, bool adapter,
                     torch::ScalarType dtype) {
  const fs::path config_file = run_dir / "resolved_config.yaml";
  if (!fs::exists(config_file))
    throw InputError(run_dir.string() + ": not a run dir (expected resolved_config.yaml, written by train)");
  const Config config = load_config(config_file);
  if (config.model.type == "tfidf_logreg")
    throw InputError(run_dir.string() +
                     ": a tfidf_logreg run keeps no checkpoint (it is fitted in one go); its "
                     "export is " +
                     config.export_.dir + "/merged, written by train");
  const fs::path checkpoint = find_checkpoint(run_dir);
  if (checkpoint.empty())
    throw InputError(run_dir.string() +
                     ": no checkpoint (expected checkpoint/trainer_state.json; a run saves "
                     "one per epoch with training.save_strategy epoch)");
  const TrainerState state = read_trainer_state(checkpoint);
  if (state.labels.empty())
    throw InputError((checkpoint / kTrainerStateFile).string() + ": labels: expected the run's label list");
  verify_checkpoint_files(checkpoint, state);

  const Backbone backbone = resolve_backbone(config);
  // The checkpoint must be the one this resolved config trained (a later run may have rewritten it).
  check_trained_by(checkpoint, state, config, backbone);
  const auto tokenizer = load_run_tokenizer(config, backbone);
  RunModel built = build_model_for_config(config, backbone, *tokenizer, state.labels, /*verbose=*/false);
  const bool best = config.training.load_best_model_at_end && fs::exists(checkpoint / kBestWeightsFile);
  const fs::path weights = checkpoint / (best ? kBestWeightsFile : kTrainableWeightsFile);
  restore_snapshot(*built.model, models::load_safetensors(weights), weights.string());
  std::cout << "export: " << config.peft.method << " run " << run_dir.string() << ", "
            << (best ? "best" : "last") << " weights of epoch "
            << (best ? state.early_stopping.best_epoch : state.epochs_completed) << " (" << weights.string()
            << ")\n";
  auto pre = run_preprocessing(config, backbone, state.labels);
  restore_calibration(run_dir, pre);
  const fs::path staging = export_staging_dir(out);
  fs::remove_all(staging);
  export_run_model(config, backbone, built, pre, staging, merged, adapter, dtype, out);
  std::ifstream summary_in(run_dir / "run_summary.json");
  const auto summary = nlohmann::json::parse(summary_in, nullptr, /*allow_exceptions=*/false);
  if (summary.is_object())
    write_model_cards(config, summary, pre, staging);
  else
    std::cout << "export: no readable run_summary.json in " << run_dir.string()
              << ": no model card (README.md)\n";
  publish_export(staging, out);
}

}  // namespace attune::trainer
