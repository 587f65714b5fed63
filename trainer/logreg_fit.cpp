#include "trainer/logreg_fit.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "base/errors.h"

namespace attune::trainer {

namespace {

torch::Tensor weight_tensor(const LogregProblem& p) {
  const auto n = static_cast<int64_t>(p.labels.size());
  if (p.weights.empty()) return torch::ones({n}, torch::kDouble);
  return torch::from_blob(const_cast<double*>(p.weights.data()), {n}, torch::kDouble).clone();
}

torch::Tensor label_tensor(const LogregProblem& p) {
  return torch::from_blob(const_cast<int64_t*>(p.labels.data()), {static_cast<int64_t>(p.labels.size())},
                          torch::kLong)
      .clone();
}

void check(const LogregProblem& p) {
  if (p.x.rows != static_cast<int64_t>(p.labels.size()))
    throw InputError("logistic regression: " + std::to_string(p.labels.size()) + " labels for " +
                     std::to_string(p.x.rows) + " rows");
  if (!p.weights.empty() && p.weights.size() != p.labels.size())
    throw InputError("logistic regression: " + std::to_string(p.weights.size()) + " sample weights for " +
                     std::to_string(p.labels.size()) + " rows");
  for (const auto y : p.labels)
    if (y < 0 || y >= p.num_classes)
      throw InputError("logistic regression: label id " + std::to_string(y) + " outside [0, " +
                       std::to_string(p.num_classes) + ")");
}

// The differentiable objective.
torch::Tensor objective(const LogregProblem& p, const torch::Tensor& w, const torch::Tensor& b,
                        const torch::Tensor& sample_weights, const torch::Tensor& labels, double C) {
  const auto logits = models::sparse_linear(p.x, w, b);
  const auto nll = -torch::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
  const auto total = sample_weights.sum();
  return (sample_weights * nll).sum() / total + w.pow(2).sum() / (2.0 * C * total);
}

}  // namespace

double logreg_objective(const LogregProblem& p, const torch::Tensor& weight, const torch::Tensor& bias,
                        double C, torch::Tensor* grad_weight, torch::Tensor* grad_bias) {
  check(p);
  auto w = weight.detach().to(torch::kDouble).clone().requires_grad_(true);
  auto b = bias.detach().to(torch::kDouble).clone().requires_grad_(true);
  torch::AutoGradMode grad_mode(true);
  const auto f = objective(p, w, b, weight_tensor(p), label_tensor(p), C);
  f.backward();
  if (grad_weight) *grad_weight = w.grad().detach();
  if (grad_bias) *grad_bias = b.grad().detach();
  return f.item<double>();
}

LogregSolution fit_logreg(const LogregProblem& problem, const LogregOptions& options) {
  check(problem);
  if (!(options.C > 0)) throw InputError("logistic regression: C must be > 0");
  torch::AutoGradMode grad_mode(true);
  auto w = torch::zeros({problem.num_classes, problem.num_features}, torch::kDouble).requires_grad_(true);
  auto b = torch::zeros({problem.num_classes}, torch::kDouble).requires_grad_(true);
  const auto sample_weights = weight_tensor(problem);
  const auto labels = label_tensor(problem);
  torch::optim::LBFGS optimizer({w, b}, torch::optim::LBFGSOptions(1.0)
                                            .max_iter(options.max_iter)
                                            .max_eval(options.max_iter * 5 / 4 + 1)
                                            .history_size(10)
                                            .tolerance_grad(options.tol)
                                            .tolerance_change(1e-14)
                                            .line_search_fn("strong_wolfe"));
  int64_t evaluations = 0;
  auto closure = [&]() -> torch::Tensor {
    optimizer.zero_grad();
    auto f = objective(problem, w, b, sample_weights, labels, options.C);
    f.backward();
    ++evaluations;
    return f;
  };
  optimizer.step(closure);
  LogregSolution s;
  torch::Tensor gw, gb;
  s.weight = w.detach().clone();
  s.bias = b.detach().clone();
  s.objective = logreg_objective(problem, s.weight, s.bias, options.C, &gw, &gb);
  s.max_gradient = std::max(gw.abs().max().item<double>(), gb.abs().max().item<double>());
  s.evaluations = evaluations;
  s.converged = s.max_gradient <= options.tol;
  return s;
}

LogregProblem subset(const LogregProblem& p, const std::vector<size_t>& rows) {
  LogregProblem out;
  out.num_features = p.num_features;
  out.num_classes = p.num_classes;
  std::vector<int64_t> new_row(static_cast<size_t>(p.x.rows), -1);
  for (size_t i = 0; i < rows.size(); ++i) {
    new_row[rows[i]] = static_cast<int64_t>(i);
    out.labels.push_back(p.labels[rows[i]]);
    if (!p.weights.empty()) out.weights.push_back(p.weights[rows[i]]);
  }
  // Entries of the kept rows, renumbered; the order of rows in `rows` need not be sorted.
  const auto map = torch::from_blob(new_row.data(), {p.x.rows}, torch::kLong).clone();
  const auto mapped = map.index_select(0, p.x.row);
  const auto keep = (mapped >= 0).nonzero().squeeze(1);
  out.x.rows = static_cast<int64_t>(rows.size());
  out.x.row = mapped.index_select(0, keep);
  out.x.column = p.x.column.index_select(0, keep);
  out.x.value = p.x.value.index_select(0, keep);
  return out;
}

std::vector<int64_t> stratified_folds(const std::vector<int64_t>& labels, int64_t k, uint64_t seed) {
  if (k < 2) throw InputError("cross-validation: k must be at least 2, got " + std::to_string(k));
  std::map<int64_t, std::vector<size_t>> by_class;
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(i);
  std::vector<int64_t> fold(labels.size(), 0);
  std::mt19937_64 rng(seed);
  int64_t next = 0;  // classes continue where the previous one stopped, so small classes spread out
  for (auto& [label, rows] : by_class) {
    for (size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng() % i]);
    for (const size_t r : rows) fold[r] = next++ % k;
  }
  return fold;
}

CvResult cross_validate(const LogregProblem& problem, const std::vector<double>& grid, int64_t k,
                        uint64_t seed, const LogregOptions& options,
                        const std::function<void(int64_t, int64_t)>& progress) {
  check(problem);
  if (grid.empty()) throw InputError("cross-validation: the grid of C values is empty");
  const auto fold = stratified_folds(problem.labels, k, seed);
  CvResult result;
  const int64_t total = static_cast<int64_t>(grid.size()) * k;
  int64_t done = 0;
  for (const double C : grid) {
    CvCandidate candidate;
    candidate.C = C;
    for (int64_t f = 0; f < k; ++f) {
      std::vector<size_t> train, held;
      for (size_t i = 0; i < fold.size(); ++i) (fold[i] == f ? held : train).push_back(i);
      if (held.empty() || train.empty())
        throw InputError("cross-validation: " + std::to_string(problem.labels.size()) +
                         " training rows are too few for " + std::to_string(k) + " folds");
      LogregOptions o = options;
      o.C = C;
      const auto solution = fit_logreg(subset(problem, train), o);
      candidate.all_converged = candidate.all_converged && solution.converged;
      const auto test = subset(problem, held);
      const auto predicted = models::sparse_linear(test.x, solution.weight, solution.bias).argmax(1);
      const auto* pred = predicted.data_ptr<int64_t>();
      double right = 0, all = 0;
      for (size_t i = 0; i < held.size(); ++i) {
        const double w = test.weights.empty() ? 1.0 : test.weights[i];
        all += w;
        if (pred[i] == test.labels[i]) right += w;
      }
      candidate.fold_scores.push_back(all > 0 ? right / all : 0.0);
      if (progress) progress(++done, total);
    }
    candidate.mean_score = std::accumulate(candidate.fold_scores.begin(), candidate.fold_scores.end(), 0.0) /
                           static_cast<double>(candidate.fold_scores.size());
    result.candidates.push_back(candidate);
    if (candidate.mean_score > result.candidates[result.best].mean_score)
      result.best = result.candidates.size() - 1;
  }
  return result;
}

}  // namespace attune::trainer
