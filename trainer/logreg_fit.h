// Fitting multinomial logistic regression to convergence, as scikit-learn's LogisticRegression(
// penalty="l2", C, solver="lbfgs") does: minimise
//     sum_i w_i * CE(softmax(W x_i + b), y_i) / sum_i w_i  +  ||W||^2 / (2 C sum_i w_i)
// (the intercept b is not penalised; w_i are the sample weights, e.g. execution counts) with libtorch's
// L-BFGS (strong-Wolfe line search) in double precision. And the study's model selection: a grid over C
// scored by stratified k-fold cross-validation on the training rows.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/tfidf_logreg.h"

namespace attune::trainer {

struct LogregProblem {
  models::TfidfRows x;  // double values
  int64_t num_features = 0;
  int64_t num_classes = 0;
  std::vector<int64_t> labels;  // [rows]
  std::vector<double> weights;  // [rows]; empty = all 1
};

struct LogregOptions {
  double C = 1.0;
  int64_t max_iter = 1000;  // L-BFGS iterations
  double tol = 1e-6;        // converged when the largest |gradient| of the objective is at most this
};

struct LogregSolution {
  torch::Tensor weight;  // [C, V] double
  torch::Tensor bias;    // [C] double
  double objective = 0;
  double max_gradient = 0;  // largest |gradient| at the solution
  int64_t evaluations = 0;  // objective + gradient evaluations L-BFGS made
  bool converged = false;   // max_gradient <= tol
};

// The objective above and its gradient at (weight, bias), for tests and for checking a solution.
double logreg_objective(const LogregProblem& p, const torch::Tensor& weight, const torch::Tensor& bias,
                        double C, torch::Tensor* grad_weight = nullptr, torch::Tensor* grad_bias = nullptr);

// Solves from zero weights. InputError when a label is outside [0, num_classes) or weights do not match.
LogregSolution fit_logreg(const LogregProblem& problem, const LogregOptions& options);

// The rows of `problem` in `rows` (in that order), for cross-validation folds.
LogregProblem subset(const LogregProblem& problem, const std::vector<size_t>& rows);

// Stratified k-fold assignment: within each class its rows, in a seeded shuffled order, are dealt to the
// folds in turn, so every fold holds each class's rows in proportion. Returns the fold of each row.
std::vector<int64_t> stratified_folds(const std::vector<int64_t>& labels, int64_t k, uint64_t seed);

struct CvCandidate {
  double C = 0;
  std::vector<double> fold_scores;  // sample-weighted accuracy on each held-out fold
  double mean_score = 0;
  bool all_converged = true;
};

struct CvResult {
  std::vector<CvCandidate> candidates;  // in grid order
  size_t best = 0;                      // the highest mean score; ties go to the earlier grid entry
};

// Fits each C of the grid on k-1 folds and scores it on the remaining one. `progress(done, total)` is
// called after each fit when given.
CvResult cross_validate(const LogregProblem& problem, const std::vector<double>& grid, int64_t k,
                        uint64_t seed, const LogregOptions& options,
                        const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace attune::trainer
