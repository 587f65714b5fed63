// The schema of the train config: every section and key in file order with its type and range, written
// once as visit_*() functions. A visitor (reader, writer, key collector) walks them, so reading,
// validating, writing the resolved file and did-you-mean all see the same keys. Defaults are the member
// initialisers in config.h; cross-key rules and derived defaults are in config.cpp (resolve).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "trainer/config.h"

namespace attune::trainer::schema {

// An inclusive integer range; `minus_one` also admits -1 (max_steps: -1 = off).
struct IntRange {
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  bool minus_one = false;

  bool contains(int64_t v) const { return (minus_one && v == -1) || (v >= lo && v <= hi); }
  std::string describe() const;  // "an integer >= 1", "an integer in [8, 4096]", "-1 or an integer >= 1"
};

// A range of finite numbers with open or closed ends.
struct NumRange {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double v) const;
  std::string describe() const;  // "a number > 0", "a number in [0, 1)"
};

inline IntRange at_least(int64_t lo) {
  return {lo, std::numeric_limits<int64_t>::max(), false};
}
inline IntRange between(int64_t lo, int64_t hi) {
  return {lo, hi, false};
}
inline IntRange off_or_at_least(int64_t lo) {
  return {lo, std::numeric_limits<int64_t>::max(), true};
}
inline NumRange positive() {
  return {0, std::numeric_limits<double>::infinity(), true, false};
}
inline NumRange non_negative() {
  return {0, std::numeric_limits<double>::infinity(), false, false};
}
inline NumRange closed(double lo, double hi) {
  return {lo, hi, false, false};
}
inline NumRange half_open(double lo, double hi) {
  return {lo, hi, false, true};
}

using Choices = std::vector<std::string>;

// Visitors provide: block(key, Struct&, fn) for a section that is always there, section(key,
// std::optional<Struct>&, fn) for one that may be null, and string, choice, integer, number,
// optional_number (null: unset), number_list (a non-empty list), boolean, string_list, modules,
// class_weights, resume for single keys.

template <class C, class V>
void visit_random_init(C& c, V& v) {
  v.choice("model_type", c.model_type, random_init_model_types());
  v.integer("hidden_size", c.hidden_size, between(1, 16384));
  v.integer("num_hidden_layers", c.num_hidden_layers, between(1, 128));
  v.integer("num_attention_heads", c.num_attention_heads, between(1, 256));
  v.integer("intermediate_size", c.intermediate_size, between(1, 65536));
  v.integer("vocab_size", c.vocab_size, at_least(0));
  v.integer("max_position_embeddings", c.max_position_embeddings, at_least(0));
  v.number("hidden_dropout_prob", c.hidden_dropout_prob, half_open(0, 1));
  v.number("attention_probs_dropout_prob", c.attention_probs_dropout_prob, half_open(0, 1));
}

template <class C, class V>
void visit_tfidf_logreg(C& c, V& v) {
  v.integer("ngram_max", c.ngram_max, between(1, 5));
  v.integer("min_df", c.min_df, at_least(1));
  v.integer("max_features", c.max_features, at_least(0));
  v.number_list("C", c.C, positive());
  v.integer("cv_folds", c.cv_folds, between(2, 20));
  v.integer("max_iter", c.max_iter, between(1, 1'000'000));
  v.number("tol", c.tol, positive());
}

template <class C, class V>
void visit_lstm(C& c, V& v) {
  v.integer("num_words", c.num_words, between(3, 10'000'000));
  v.string("oov_token", c.oov_token);
  v.integer("embedding_dim", c.embedding_dim, between(1, 4096));
  v.integer("units", c.units, between(1, 4096));
  v.number("dropout", c.dropout, half_open(0, 1));
}

template <class C, class V>
void visit_model(C& c, V& v) {
  v.choice("type", c.type, Choices{"transformer", "tfidf_logreg", "lstm"});
  v.string("name_or_path", c.name_or_path);
  v.choice("fallback", c.fallback, Choices{"none", "embedded"});
  v.integer("max_length", c.max_length, between(8, 4096));
  v.integer("num_threads", c.num_threads, between(0, 1024));
  v.string("tokenizer", c.tokenizer);
  v.section("random_init", c.random_init, [](auto& s, auto& sv) { visit_random_init(s, sv); });
  v.section("tfidf_logreg", c.tfidf_logreg, [](auto& s, auto& sv) { visit_tfidf_logreg(s, sv); });
  v.section("lstm", c.lstm, [](auto& s, auto& sv) { visit_lstm(s, sv); });
}

template <class C, class V>
void visit_generate(C& c, V& v) {
  v.choice("preset", c.preset, generate_presets());
  v.integer("seed", c.seed, at_least(0));
  v.number("holdout_templates", c.holdout_templates, closed(0, 0.9));
  v.string("out_dir", c.out_dir);
}

template <class C, class V>
void visit_split(C& c, V& v) {
  v.string("file", c.file);
  v.number("train", c.train, half_open(0, 1));
  v.number("validation", c.validation, half_open(0, 1));
  v.number("test", c.test, half_open(0, 1));
  v.integer("seed", c.seed, at_least(0));
  v.string("out_dir", c.out_dir);
}

template <class C, class V>
void visit_group_rare(C& c, V& v) {
  v.number("min_count", c.min_count, positive());
  v.string("label", c.label);
}

template <class C, class V>
void visit_data(C& c, V& v) {
  v.string("train_file", c.train_file);
  v.string("validation_file", c.validation_file);
  v.string("test_file", c.test_file);
  v.section("generate", c.generate, [](auto& s, auto& sv) { visit_generate(s, sv); });
  v.section("split", c.split, [](auto& s, auto& sv) { visit_split(s, sv); });
  v.section("group_rare", c.group_rare, [](auto& s, auto& sv) { visit_group_rare(s, sv); });
  v.string("text_column", c.text_column);
  v.string("label_column", c.label_column);
  v.string("count_column", c.count_column);
  v.string_list("labels", c.labels);
  v.boolean("lowercase", c.lowercase);
  v.string("stress_file", c.stress_file);
  v.string("real_benign_file", c.real_benign_file);
  v.string("real_attacks_file", c.real_attacks_file);
  v.string("benign_label", c.benign_label);
}

template <class C, class V>
void visit_peft(C& c, V& v) {
  v.choice("method", c.method, Choices{"lora", "bitfit", "full", "head"});
  v.integer("r", c.r, between(1, 4096));
  v.number("lora_alpha", c.lora_alpha, positive());
  v.number("lora_dropout", c.lora_dropout, half_open(0, 1));
  v.modules("target_modules", c.target_modules);
  v.modules("exclude_modules", c.exclude_modules);
  v.string_list("modules_to_save", c.modules_to_save);
  v.choice("bias", c.bias, Choices{"none", "all", "lora_only"});
  v.boolean("use_rslora", c.use_rslora);
}

template <class C, class V>
void visit_training(C& c, V& v) {
  v.string("output_dir", c.output_dir);
  v.integer("seed", c.seed, at_least(0));
  v.number("num_train_epochs", c.num_train_epochs, positive());
  v.integer("max_steps", c.max_steps, off_or_at_least(1));
  v.integer("per_device_train_batch_size", c.per_device_train_batch_size, between(1, 65536));
  v.integer("per_device_eval_batch_size", c.per_device_eval_batch_size, between(1, 65536));
  v.number("learning_rate", c.learning_rate, positive());
  v.number("weight_decay", c.weight_decay, non_negative());
  v.number("adam_beta1", c.adam_beta1, half_open(0, 1));
  v.number("adam_beta2", c.adam_beta2, half_open(0, 1));
  v.number("adam_epsilon", c.adam_epsilon, positive());
  v.choice("lr_scheduler_type", c.lr_scheduler_type, Choices{"linear", "cosine", "constant"});
  v.number("warmup_ratio", c.warmup_ratio, closed(0, 1));
  v.integer("warmup_steps", c.warmup_steps, at_least(0));
  v.number("max_grad_norm", c.max_grad_norm, non_negative());
  v.integer("gradient_accumulation_steps", c.gradient_accumulation_steps, between(1, 65536));
  v.boolean("bf16", c.bf16);
  v.choice("eval_strategy", c.eval_strategy, Choices{"epoch", "steps"});
  v.integer("eval_steps", c.eval_steps, at_least(1));
  v.integer("logging_steps", c.logging_steps, at_least(1));
  v.integer("early_stopping_patience", c.early_stopping_patience, at_least(0));
  v.number("early_stopping_threshold", c.early_stopping_threshold, non_negative());
  v.choice("metric_for_best_model", c.metric_for_best_model, best_model_metrics());
  v.boolean("greater_is_better", c.greater_is_better);
  v.boolean("load_best_model_at_end", c.load_best_model_at_end);
  v.class_weights("class_weights", c.class_weights, c.class_weight_values);
  v.boolean("use_sample_weights", c.use_sample_weights);
  v.boolean("length_bucketing", c.length_bucketing);
  v.choice("save_strategy", c.save_strategy, Choices{"epoch", "no"});
  v.integer("save_steps", c.save_steps, at_least(0));
  v.integer("nproc_per_node", c.nproc_per_node, between(0, 256));
  v.resume("resume_from_checkpoint", c.resume_from_checkpoint);
}

template <class C, class V>
void visit_export(C& c, V& v) {
  v.boolean("merged", c.merged);
  v.boolean("adapter", c.adapter);
  v.choice("dtype", c.dtype, Choices{"fp32", "bf16"});
  v.string("dir", c.dir);
  v.optional_number("max_benign_fpr", c.max_benign_fpr, {0, 1, true, true});
}

template <class C, class V>
void visit_pretrain_corpus(C& c, V& v) {
  v.integer("generated_rows", c.generated_rows, between(0, 100'000'000));
  v.integer("seed", c.seed, at_least(0));
  v.string_list("text_files", c.text_files);
  v.integer("benign_world_repeats", c.benign_world_repeats, between(0, 1000));
  v.number("heldout_fraction", c.heldout_fraction, half_open(0, 0.5));
}

template <class C, class V>
void visit_pretrain_tokenizer(C& c, V& v) {
  v.choice("train", c.train, Choices{"none", "bpe", "unigram"});
  v.integer("vocab_size", c.vocab_size, between(300, 1'000'000));
  v.integer("min_frequency", c.min_frequency, at_least(1));
}

template <class C, class V>
void visit_pretrain(C& c, V& v) {
  v.number("mlm_probability", c.mlm_probability, {0, 1, true, true});
  v.string("save_dir", c.save_dir);
  v.choice("save_dtype", c.save_dtype, Choices{"fp32", "bf16"});
  v.block("corpus", c.corpus, [](auto& s, auto& sv) { visit_pretrain_corpus(s, sv); });
  v.block("tokenizer", c.tokenizer, [](auto& s, auto& sv) { visit_pretrain_tokenizer(s, sv); });
}

template <class C, class V>
void visit_config(C& c, V& v) {
  v.block("model", c.model, [](auto& s, auto& sv) { visit_model(s, sv); });
  v.block("data", c.data, [](auto& s, auto& sv) { visit_data(s, sv); });
  v.block("peft", c.peft, [](auto& s, auto& sv) { visit_peft(s, sv); });
  v.block("training", c.training, [](auto& s, auto& sv) { visit_training(s, sv); });
  v.block("export", c.export_, [](auto& s, auto& sv) { visit_export(s, sv); });
  v.section("pretrain", c.pretrain, [](auto& s, auto& sv) { visit_pretrain(s, sv); });
}

// The keys of one mapping in file order, and the sections among them.
struct KeyTree {
  std::vector<std::string> keys;
  std::map<std::string, KeyTree> sections;
};

// The key tree of the whole config (top level: model, data, peft, training, export).
const KeyTree& key_tree();

// " (did you mean 'x'?)" for the nearest of `valid` by edit distance when it is close, else
// " (valid keys: a, b, c)".
std::string suggestion(const std::string& key, const std::vector<std::string>& valid,
                       const std::string& what = "valid keys");
std::size_t edit_distance(const std::string& a, const std::string& b);

// The shortest text that reads back as exactly `v` ("0.0002", "1e-08", "16").
std::string format_number(double v);

}  // namespace attune::trainer::schema
