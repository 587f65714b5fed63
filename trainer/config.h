// The experiment config of `train`: a YAML file with the sections model, data, peft, training and export,
// keyed with Hugging Face's names (TrainingArguments, PEFT's LoraConfig). Loading validates everything
// before any work starts: unknown keys (with a did-you-mean), wrong types, out-of-range values, missing
// required keys (all listed at once) and cross-key rules each throw one InputError naming the file, line
// and key path. The schema (every key, its default and its range) lives in config_schema.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "peft/lora_config.h"

namespace attune::trainer {

// model.random_init: a small randomly initialised encoder built from these numbers instead of a
// checkpoint. For tests and benchmarks only: it has learned nothing.
struct RandomInitConfig {
  std::string model_type = "roberta";  // roberta | bert | deberta-v2
  int64_t hidden_size = 64;
  int64_t num_hidden_layers = 2;
  int64_t num_attention_heads = 4;
  int64_t intermediate_size = 128;
  int64_t vocab_size = 0;               // 0: the tokenizer's vocabulary size
  int64_t max_position_embeddings = 0;  // 0: model.max_length + 2 (room for RoBERTa's padding offset)
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
};

// model.tfidf_logreg: TF-IDF over the artifact-aware terms (data/tokenizers/term_tokenizer.h) and
// multinomial logistic regression with L2, C chosen by stratified k-fold cross-validation on train.
struct TfidfLogregConfig {
  int64_t ngram_max = 2;                      // terms are 1..ngram_max-grams of tokens
  int64_t min_df = 1;                         // a term in fewer training texts is dropped
  int64_t max_features = 0;                   // keep the most frequent terms only; 0 = all
  std::vector<double> C = {0.1, 1, 10, 100};  // the grid (one value: no cross-validation)
  int64_t cv_folds = 3;
  int64_t max_iter = 1000;  // L-BFGS iterations per fit
  double tol = 1e-6;        // converged when the largest |gradient| is at most this
};

// model.lstm: a Keras-style word tokenizer and Embedding -> LSTM -> Dropout -> Dense
// (models/lstm_classifier.h), trained by the training loop (peft.method full) with the training.* settings.
struct LstmConfig {
  int64_t num_words = 10000;        // the tokenizer keeps ids below this (the most frequent words)
  std::string oov_token = "<OOV>";  // the id of every other word
  int64_t embedding_dim = 100;
  int64_t units = 64;  // LSTM hidden size
  double dropout = 0.5;
};

struct ModelConfig {
  // transformer: a pretrained encoder with PEFT; tfidf_logreg and lstm: the classic baselines, fitted from
  // scratch on the training split (their tokenizer too).
  std::string type = "transformer";  // transformer | tfidf_logreg | lstm
  std::string name_or_path;       // a HF model dir, or a hub name found in the HF cache; "" with random_init
  std::string fallback = "none";  // none | embedded: use the embedded small checkpoint when not found
  int64_t max_length = 128;       // tokens per example, specials included
  int64_t num_threads = 0;        // torch intra-op threads; 0 = all cores
  std::string tokenizer;          // a tokenizer dir; "" = the model dir's own tokenizer files
  std::optional<RandomInitConfig> random_init;
  std::optional<TfidfLogregConfig> tfidf_logreg;  // resolved: present exactly when type is tfidf_logreg
  std::optional<LstmConfig> lstm;                 // resolved: present exactly when type is lstm

  bool classic() const { return type != "transformer"; }
};

// data.generate: make the data set with gen-data's generator before training.
struct GenerateConfig {
  std::string preset;  // binary | discovery4 | 4class | ctf
  int64_t seed = 1;
  double holdout_templates = 0.0;  // share of templates held out of train (unseen-template test)
  std::string out_dir;             // resolved: data/generated/<preset>
};

// data.split: one labeled CSV that attune splits itself (data/split_file.h): identical rows merged, rare
// labels grouped (data.group_rare), then stratified by these fractions into <out_dir>/{train,validation,
// test}.csv.
struct SplitConfig {
  std::string file;  // resolved: <generate.out_dir>/all.csv beside data.generate (the ctf preset writes it)
  double train = 0.8, validation = 0.1, test = 0.1;  // sum to 1
  int64_t seed = 1;
  std::string out_dir;  // resolved: <training.output_dir>/data
};

// data.group_rare: labels with fewer than min_count observations (the count column's sum, else rows) are
// trained and reported as `label`. Needs data.split (grouping comes before the split).
struct GroupRareConfig {
  double min_count = 0;
  std::string label = "Z999";
};

struct DataConfig {
  // Resolved: with `generate` (or `split`) and no explicit file, <out_dir>/{train,validation,test}.csv.
  std::string train_file;
  std::string validation_file;
  std::string test_file;
  std::optional<GenerateConfig> generate;
  std::optional<SplitConfig> split;
  std::optional<GroupRareConfig> group_rare;
  std::string text_column = "text";
  std::string label_column = "label";
  std::string count_column = "count";
  std::optional<std::vector<std::string>> labels;  // fixes the label set and its order (ids)
  bool lowercase = false;
  std::string stress_file;  // "" = none; an extra evaluation set reported beside test
  // The real-data proxy reported beside test ("" = none): real benign command lines and real attack
  // command lines never trained on. Resolved with data.generate: <out_dir>/real_benign.csv and
  // <out_dir>/real_attacks.csv (gen-data writes them), used when they exist.
  std::string real_benign_file;
  std::string real_attacks_file;
  std::string benign_label = "Benign";  // the class export.max_benign_fpr bounds (must be among the labels)
};

// target_modules / exclude_modules as PEFT takes them: a list of names (a module matches when its name
// equals an entry or ends with "." + entry) or one regex string (matching the whole module name); empty is
// null, the per-architecture default.
using peft::ModuleSelector;

// peft.*: the method and PEFT's own LoRA settings, one type with the adapter files (peft::LoraConfig),
// starting from attune's defaults (peft::attune_lora_defaults()). config_schema.h lists the keys a config
// may set: r, lora_alpha, lora_dropout, target_modules, exclude_modules, modules_to_save (nullopt: the
// architecture's classification head), bias, use_rslora. For bitfit / full / head only modules_to_save
// applies.
struct PeftConfig : peft::LoraConfig {
  std::string method = "lora";  // lora | bitfit | full | head

  PeftConfig() : peft::LoraConfig(peft::attune_lora_defaults()) {}
};

struct TrainingConfig {
  std::string output_dir;  // resolved: runs/<config file stem>
  int64_t seed = 42;
  double num_train_epochs = 3;
  int64_t max_steps = -1;  // > 0 overrides num_train_epochs
  int64_t per_device_train_batch_size = 32;
  int64_t per_device_eval_batch_size = 64;
  double learning_rate = 2e-4;
  double weight_decay = 0.01;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  std::string lr_scheduler_type = "linear";  // linear | cosine | constant
  double warmup_ratio = 0.0;
  int64_t warmup_steps = 0;    // > 0 wins over warmup_ratio
  double max_grad_norm = 1.0;  // 0 = no clipping
  int64_t gradient_accumulation_steps = 1;
  bool bf16 = true;
  std::string eval_strategy = "epoch";  // epoch | steps
  int64_t eval_steps = 500;
  int64_t logging_steps = 50;
  int64_t early_stopping_patience = 0;  // evaluations without improvement before stopping; 0 = off
  double early_stopping_threshold = 0.0;
  std::string metric_for_best_model = "eval_loss";  // eval_loss | accuracy | f1_macro | f1_weighted
  bool greater_is_better = false;                   // resolved: inferred from the metric unless given
  bool load_best_model_at_end = true;
  std::string class_weights = "none";       // none | balanced | list
  std::vector<double> class_weight_values;  // when class_weights == "list": one per label, in label order
  bool use_sample_weights = true;           // weight examples by the count column when present
  bool length_bucketing = true;
  std::string save_strategy = "epoch";  // epoch | no
  int64_t save_steps = 0;  // > 0: also a checkpoint every this many optimizer steps (within epochs)
  // Data-parallel ranks `train` starts on this machine when the command line names none (--nproc-per-node
  // and torchrun's WORLD_SIZE win): 1 = one process; 0 = one rank per CPU this process may use.
  int64_t nproc_per_node = 1;
  std::string resume_from_checkpoint;  // "" = start fresh; "latest" = newest under output_dir; else a dir
};

struct ExportConfig {
  bool merged = true;
  bool adapter = true;         // resolved: true for lora, false otherwise, unless given
  std::string dtype = "fp32";  // fp32 | bf16
  std::string dir;             // resolved: <output_dir>/export
  // The operating point: the largest share of benign validation rows (in (0, 1)) that may be labelled an
  // attack; the threshold on 1 - p(data.benign_label) is chosen on validation. nullopt: argmax.
  std::optional<double> max_benign_fpr;
};

// `pretrain` only: the masked-language-model job (pretrain --config). train ignores this section.
struct PretrainCorpusConfig {
  int64_t generated_rows = 200000;                     // lines of the generated unlabeled pool; 0 = none
  int64_t seed = 7;                                    // the pool's own seed (not a preset's)
  std::optional<std::vector<std::string>> text_files;  // more text files, one example per line
  // Times the benign world's train-package lines (data/benign_world, or $ATTUNE_BENIGN_WORLD) are added;
  // 0 = none. Its heldout packages are never read: they stay the real-data proxy's benign side.
  int64_t benign_world_repeats = 0;
  double heldout_fraction = 0.02;  // lines kept out to report masked accuracy on
};

struct PretrainTokenizerConfig {
  std::string train =
      "none";  // none (the model's own tokenizer) | bpe (RoBERTa's files) | unigram (spm.model)
  int64_t vocab_size = 8000;
  int64_t min_frequency = 2;  // bpe: a pair seen fewer times is never merged
};

struct PretrainConfig {
  double mlm_probability = 0.15;    // tokens selected per sequence (80 % [MASK], 10 % random, 10 % kept)
  std::string save_dir;             // the HF dir written at the end; resolved: <output_dir>/model
  std::string save_dtype = "fp32";  // fp32 | bf16: the dtype of the saved model.safetensors
  PretrainCorpusConfig corpus;
  PretrainTokenizerConfig tokenizer;
};

struct Config {
  ModelConfig model;
  DataConfig data;
  PeftConfig peft;
  TrainingConfig training;
  ExportConfig export_;                    // the `export` section (a C++ keyword)
  std::optional<PretrainConfig> pretrain;  // present in pretrain configs only

  // Where each key was given: "training.learning_rate" -> "configs/x.yaml:31" or "--set ...". Not part
  // of the YAML; for errors found later (say, class_weights not matching the labels seen in the data).
  std::string source;  // the config file it came from
  std::map<std::string, std::string> key_locations;
  // key_locations[path], else source: prefix an error with where(path) + ": " + path + ": ...".
  std::string where(const std::string& path) const;

  // Same resolved keys (compares the resolved YAML; `source` is ignored).
  bool operator==(const Config& other) const;
  bool operator!=(const Config& other) const { return !(*this == other); }
};

// One `--set key.path=value`: value is read as a YAML scalar or flow list/map unless `literal` (then it
// is the string itself, as for --output). `origin` names it in errors ("--set training.seed=x").
struct Override {
  std::string path;
  std::string value;
  bool literal = false;
  std::string origin;
};

// Parses "key.path=value" (InputError without '=' or with an empty path).
Override parse_override(const std::string& arg);

// Reads, overrides, validates and resolves a config file. Every problem is an InputError naming the file
// (or the --set), line and key path, and the expected form.
Config load_config(const std::filesystem::path& file, const std::vector<Override>& overrides = {});
// The same from YAML text; `origin` stands for the file (its stem names the default output_dir).
Config parse_config(const std::string& yaml, const std::string& origin,
                    const std::vector<Override>& overrides = {});

// Every key of the resolved config as YAML (defaults filled in, nulls written as null); reading it back
// gives an equal Config.
std::string to_yaml(const Config& config);
// to_yaml written atomically to `file`, after a comment naming the source and before `footer` (comment
// lines).
void write_resolved_config(const Config& config, const std::filesystem::path& file,
                           const std::string& footer = "");

// Checks that the files the config names exist before any work: data files (except those data.generate
// will write), model.tokenizer, and model.name_or_path when it looks like a path. InputError names the key.
void check_input_files(const Config& config);

// The data.generate presets, the architecture types random_init accepts, and the metrics.
const std::vector<std::string>& generate_presets();
const std::vector<std::string>& random_init_model_types();
const std::vector<std::string>& best_model_metrics();

}  // namespace attune::trainer
