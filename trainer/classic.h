// The classic model kinds of a run (model.type tfidf_logreg | lstm): nothing pretrained, so the run fits
// its tokenizer on the training split's texts, builds the model from the config, and (tfidf_logreg) fits
// it with L-BFGS and a cross-validated C instead of the training loop. Everything after training (export,
// calibration, operating point, reports) is the transformer's path.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/tokenizers/tokenizer.h"
#include "models/tfidf_logreg.h"
#include "trainer/config.h"
#include "trainer/dataset.h"
#include "trainer/run.h"
#include "trainer/train_loop.h"

namespace attune::trainer {

// A classic run's "backbone": its name is model.type, how "fitted from scratch", and its tokenizer dir
// <output_dir>/tokenizer (written by fit_classic_tokenizer).
Backbone classic_backbone(const Config& config);

// Fits the word (lstm) or term (tfidf_logreg) tokenizer on training_texts(config) and writes it to
// backbone.tokenizer_dir. Deterministic: the same training split gives the same files.
void fit_classic_tokenizer(const Config& config, const Backbone& backbone);

// The model of model.type for this tokenizer and these labels, seeded by training.seed (lstm) or with
// the tokenizer's idf and zero weights (tfidf_logreg).
RunModel build_classic_model(const Config& config, const data::Tokenizer& tokenizer,
                             const std::vector<std::string>& labels);

struct LogregOutcome {
  LoopOutcome loop;        // one "epoch": the final fit; best_eval is its validation result
  nlohmann::json details;  // the C grid with its fold scores, the chosen C, the final fit's convergence
};

// Chooses C by stratified cross-validation on the training rows (sample weights: the count column unless
// training.use_sample_weights is false, times training.class_weights), refits on all training rows with
// it and loads the solution into `model`. Prints the grid.
LogregOutcome fit_tfidf_logreg(models::TfidfLogreg& model, const Dataset& dataset, const Config& config);

}  // namespace attune::trainer
