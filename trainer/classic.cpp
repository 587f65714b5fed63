#include "trainer/classic.h"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "base/errors.h"
#include "base/progress.h"
#include "data/tokenizers/term_tokenizer.h"
#include "data/tokenizers/word_tokenizer.h"
#include "inference/evaluation.h"
#include "models/hf_config.h"
#include "models/lstm_classifier.h"
#include "models/model_factory.h"
#include "peft/bitfit.h"
#include "trainer/logreg_fit.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

Backbone classic_backbone(const Config& config) {
  Backbone b;
  b.name = config.model.type;
  b.how = "fitted from scratch on the training split";
  b.tokenizer_dir = fs::path(config.training.output_dir) / "tokenizer";
  return b;
}

void fit_classic_tokenizer(const Config& config, const Backbone& backbone) {
  const auto texts = training_texts(config);
  data::TokenizerOptions options;
  options.lowercase = config.data.lowercase;
  if (config.model.type == "lstm") {
    const auto& l = *config.model.lstm;
    data::WordTokenizerSettings settings;
    settings.num_words = l.num_words;
    settings.oov_token = l.oov_token;
    const auto tokenizer = data::WordTokenizer::fit(texts, settings, options);
    tokenizer->save(backbone.tokenizer_dir);
    std::cout << "word tokenizer: " << tokenizer->vocab_size() << " ids (num_words " << l.num_words
              << ", oov '" << l.oov_token << "') fitted on " << texts.size() << " training texts\n";
  } else {
    const auto& t = *config.model.tfidf_logreg;
    data::TermSettings settings;
    settings.ngram_max = t.ngram_max;
    settings.min_df = t.min_df;
    settings.max_features = t.max_features;
    const auto tokenizer = data::TermTokenizer::fit(texts, settings, options);
    tokenizer->save(backbone.tokenizer_dir);
    std::cout << "tf-idf vectorizer: " << tokenizer->vocab_size() - 1 << " terms (1.." << t.ngram_max
              << "-grams, min_df " << t.min_df << ") fitted on " << texts.size() << " training texts\n";
  }
}

RunModel build_classic_model(const Config& config, const data::Tokenizer& tokenizer,
                             const std::vector<std::string>& labels) {
  RunModel built;
  const bool lstm = config.model.type == "lstm";
  auto hf = models::default_hf_config(lstm ? models::kLstmModelType : models::kTfidfLogregModelType);
  hf.architectures = {models::sequence_classification_architecture(hf.model_type)};
  hf.vocab_size = tokenizer.vocab_size();
  hf.pad_token_id = tokenizer.pad_id() >= 0 ? tokenizer.pad_id() : 0;
  hf.problem_type = "single_label_classification";
  if (lstm) {
    const auto& l = *config.model.lstm;
    hf.embedding_size = l.embedding_dim;
    hf.hidden_size = l.units;
    hf.hidden_dropout_prob = l.dropout;
    hf.max_position_embeddings = config.model.max_length;
  }
  models::set_labels(hf, labels);
  built.model = models::create_model(hf, static_cast<uint64_t>(config.training.seed));
  if (lstm) {
    peft::apply_method(*built.model, "full");
  } else {
    const auto* terms = dynamic_cast<const data::TermTokenizer*>(&tokenizer);
    if (!terms) throw InputError("tfidf_logreg: the tokenizer is not a tf-idf term tokenizer");
    auto& model = static_cast<models::TfidfLogreg&>(*built.model);
    torch::NoGradGuard no_grad;
    const auto& idf = terms->idf();
    model.idf.copy_(torch::tensor(std::vector<float>(idf.begin(), idf.end())));
    // Fitted by L-BFGS (fit_tfidf_logreg), never by the loop: nothing requires grad.
    for (auto& p : model.parameters()) p.set_requires_grad(false);
  }
  return built;
}

LogregOutcome fit_tfidf_logreg(models::TfidfLogreg& model, const Dataset& dataset, const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const auto& settings = *config.model.tfidf_logreg;
  const auto& rows = dataset.train.rows;
  LogregProblem problem;
  problem.x = models::tfidf_rows(rows.input_ids, model.idf.to(torch::kDouble));
  problem.num_features = model.idf.size(0);
  problem.num_classes = static_cast<int64_t>(dataset.labels.size());
  problem.labels = rows.labels;
  const auto cw = class_weights(config, dataset.train, dataset.labels.size());
  const bool counts = config.training.use_sample_weights && !rows.weights.empty();
  if (counts || !cw.empty()) {
    problem.weights.resize(rows.labels.size());
    for (size_t i = 0; i < rows.labels.size(); ++i)
      problem.weights[i] =
          (counts ? rows.weights[i] : 1.0) * (cw.empty() ? 1.0 : cw[static_cast<size_t>(rows.labels[i])]);
  }
  LogregOptions options;
  options.max_iter = settings.max_iter;
  options.tol = settings.tol;
  LogregOutcome outcome;
  nlohmann::json grid = nlohmann::json::array();
  double C = settings.C.front();
  if (settings.C.size() > 1) {
    ProgressBar bar("cross-validation", static_cast<int64_t>(settings.C.size()) * settings.cv_folds);
    const auto cv =
        cross_validate(problem, settings.C, settings.cv_folds, static_cast<uint64_t>(config.training.seed),
                       options, [&](int64_t done, int64_t) { bar.update(done); });
    bar.finish();
    std::cout << "C grid, " << settings.cv_folds << "-fold stratified cross-validation on "
              << rows.labels.size() << " training rows ("
              << (problem.weights.empty() ? "accuracy" : "sample-weighted accuracy") << "):\n";
    for (size_t i = 0; i < cv.candidates.size(); ++i) {
      const auto& c = cv.candidates[i];
      std::cout << "  C " << std::setw(8) << c.C << "  mean " << fixed(c.mean_score, 4) << "  folds";
      for (const double f : c.fold_scores) std::cout << " " << fixed(f, 4);
      std::cout << (c.all_converged ? "" : "  (some fits stopped at max_iter)")
                << (i == cv.best ? "  <- best" : "") << "\n";
      grid.push_back({{"C", c.C},
                      {"fold_scores", c.fold_scores},
                      {"mean_score", c.mean_score},
                      {"all_converged", c.all_converged}});
    }
    C = cv.candidates[cv.best].C;
  }
  options.C = C;
  const auto solution = fit_logreg(problem, options);
  std::cout << "logistic regression: C " << C << ", " << solution.evaluations << " L-BFGS evaluations, "
            << (solution.converged ? "converged"
                : solution.evaluations >= options.max_iter
                    ? "NOT converged: stopped at max_iter (raise model.tfidf_logreg.max_iter)"
                    : "NOT converged: stopped when the objective no longer changed in double precision, "
                      "before |gradient| reached tol (a tol this small is out of reach for this problem)")
            << " (largest |gradient| " << std::scientific << std::setprecision(2) << solution.max_gradient
            << std::defaultfloat << ", objective " << fixed(solution.objective, 6) << ")\n";
  {
    torch::NoGradGuard no_grad;
    model.classifier->weight.copy_(solution.weight.to(torch::kFloat));
    model.classifier->bias.copy_(solution.bias.to(torch::kFloat));
  }
  auto& loop = outcome.loop;
  loop.epochs_completed = 1;
  loop.global_step = solution.evaluations;
  loop.train_seconds = seconds_since(start);
  loop.train_samples_per_second =
      loop.train_seconds > 0 ? static_cast<double>(rows.labels.size()) / loop.train_seconds : 0;
  inference::InferenceSettings infer{config.training.per_device_eval_batch_size, 0, /*bf16=*/false};
  loop.best_eval = inference::evaluate(model, dataset.validation.rows, dataset.labels.labels(), infer);
  loop.best_epoch = 1;
  loop.best_metric = loop.best_eval.loss;
  outcome.details = {{"C", C},
                     {"grid", grid},
                     {"cv_folds", settings.C.size() > 1 ? settings.cv_folds : 0},
                     {"evaluations", solution.evaluations},
                     {"converged", solution.converged},
                     {"max_gradient", solution.max_gradient},
                     {"objective", solution.objective},
                     {"sample_weights", problem.weights.empty() ? "none"
                                        : counts                ? "count column"
                                                                : "class weights"}};
  return outcome;
}

}  // namespace attune::trainer
