// The data of one run: the splits named by the config (generated first when `data.generate` asks and the
// files are not there yet), their label map, and their tokenized rows.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/csv.h"
#include "data/label_map.h"
#include "data/labeled_split.h"
#include "data/tokenizers/tokenizer.h"
#include "trainer/config.h"

namespace attune::trainer {

// A split read and tokenized (data/labeled_split.h, shared with evaluate).
using data::Split;

struct Dataset {
  data::LabelMap labels;
  Split train, validation, test;
  std::optional<Split> stress;
  std::optional<Split> real_benign, real_attacks;  // the real-data proxy, where its files exist
  double tokenize_seconds = 0;
};

// Runs gen-data's generator into data.generate.out_dir unless its manifest already matches (preset, seed,
// holdout). Returns true when it generated.
bool ensure_generated(const Config& config);

// data.split: reads data.split.file, merges identical rows, groups rare labels (data.group_rare) and writes
// the stratified train/validation/test.csv and manifest.json (what was grouped, rows and observations per
// split and label) into data.split.out_dir. Deterministic: the same file and seed give the same files.
void write_split(const Config& config);

// Makes the split files the config reads: ensure_generated, then write_split with data.split.
void prepare_data(const Config& config);

// The texts of the training split (rows of data.labels only, when given), after prepare_data: what the
// classic model kinds fit their tokenizer on.
std::vector<std::string> training_texts(const Config& config);

// Reads and tokenizes every split (prepare_data first, unless `prepare` is false because the caller did).
// `labels` fixes the label map (a model that already has one); otherwise it comes from data.labels or the
// training set.
Dataset load_dataset(const Config& config, const data::Tokenizer& tokenizer,
                     const std::optional<data::LabelMap>& labels = std::nullopt, bool prepare = true);

// Class weights per label id: "none" -> empty, "balanced" -> n / (k * count_c) (scikit-learn's), "list" ->
// the configured values. InputError when the list does not match the labels.
std::vector<double> class_weights(const Config& config, const Split& train, size_t num_labels);

}  // namespace attune::trainer
