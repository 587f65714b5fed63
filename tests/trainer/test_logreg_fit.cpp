// The logistic-regression solver behind model.type tfidf_logreg, checked against references that share
// none of its code: Newton's method with the exact Hessian on a small weighted problem, the closed form of
// an intercept-only model, and the equivalence of a weight of 2 with a duplicated row. Plus the stratified
// folds and the C grid's choice.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "trainer/logreg_fit.h"

namespace {

using namespace attune::trainer;
using attune::models::TfidfRows;

// A dense matrix in coordinate form.
TfidfRows coordinates(const std::vector<std::vector<double>>& x) {
  std::vector<int64_t> rows, cols;
  std::vector<double> vals;
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = 0; j < x[i].size(); ++j)
      if (x[i][j] != 0) {
        rows.push_back(static_cast<int64_t>(i));
        cols.push_back(static_cast<int64_t>(j));
        vals.push_back(x[i][j]);
      }
  TfidfRows out;
  out.rows = static_cast<int64_t>(x.size());
  out.row = torch::tensor(rows, torch::kLong);
  out.column = torch::tensor(cols, torch::kLong);
  out.value = torch::tensor(vals, torch::kDouble);
  return out;
}

struct Dense {
  std::vector<std::vector<double>> x;
  std::vector<int64_t> y;
  std::vector<double> w;
};

Dense random_problem(int n, int v, int k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> label(0, k - 1);
  std::uniform_real_distribution<double> weight(0.5, 4.0);
  Dense d;
  for (int i = 0; i < n; ++i) {
    const int y = label(rng);
    std::vector<double> row(static_cast<size_t>(v));
    for (int j = 0; j < v; ++j) row[static_cast<size_t>(j)] = normal(rng) + (j == y ? 1.0 : 0.0);
    d.x.push_back(row);
    d.y.push_back(y);
    d.w.push_back(weight(rng));
  }
  return d;
}

// Newton's method on (W, b_1..b_{K-1}) with b_0 fixed at 0 (softmax is unchanged by a common shift of b,
// which the objective leaves unpenalised), exact gradient and Hessian, backtracking on the objective.
struct NewtonSolution {
  std::vector<std::vector<double>> W;  // [K][V]
  std::vector<double> b;               // [K], b[0] = 0
};

NewtonSolution newton(const Dense& d, int k, double C) {
  const int n = static_cast<int>(d.x.size()), v = static_cast<int>(d.x[0].size());
  const int dim = k * v + (k - 1);
  std::vector<double> theta(static_cast<size_t>(dim), 0.0);
  double S = 0;
  for (double w : d.w) S += w;
  auto unpack = [&](const std::vector<double>& t, int c, int j) { return t[static_cast<size_t>(c * v + j)]; };
  auto bias = [&](const std::vector<double>& t, int c) {
    return c == 0 ? 0.0 : t[static_cast<size_t>(k * v + c - 1)];
  };
  auto probs = [&](const std::vector<double>& t, int i) {
    std::vector<double> z(static_cast<size_t>(k));
    double mx = -1e300;
    for (int c = 0; c < k; ++c) {
      double s = bias(t, c);
      for (int j = 0; j < v; ++j) s += unpack(t, c, j) * d.x[static_cast<size_t>(i)][static_cast<size_t>(j)];
      z[static_cast<size_t>(c)] = s;
      mx = std::max(mx, s);
    }
    double tot = 0;
    for (auto& e : z) tot += (e = std::exp(e - mx));
    for (auto& e : z) e /= tot;
    return z;
  };
  auto f = [&](const std::vector<double>& t) {
    double loss = 0, reg = 0;
    for (int i = 0; i < n; ++i)
      loss -= d.w[static_cast<size_t>(i)] *
              std::log(probs(t, i)[static_cast<size_t>(d.y[static_cast<size_t>(i)])]);
    for (int a = 0; a < k * v; ++a) reg += t[static_cast<size_t>(a)] * t[static_cast<size_t>(a)];
    return loss / S + reg / (2 * C * S);
  };
  for (int iter = 0; iter < 60; ++iter) {
    auto g = torch::zeros({dim}, torch::kDouble);
    auto H = torch::zeros({dim, dim}, torch::kDouble);
    auto ga = g.accessor<double, 1>();
    auto Ha = H.accessor<double, 2>();
    // Index of (class c, feature j or the bias when j == v) in theta, -1 for the fixed b_0.
    auto idx = [&](int c, int j) { return j < v ? c * v + j : (c == 0 ? -1 : k * v + c - 1); };
    for (int i = 0; i < n; ++i) {
      const auto p = probs(theta, i);
      const double wi = d.w[static_cast<size_t>(i)] / S;
      for (int c = 0; c < k; ++c) {
        const double r = p[static_cast<size_t>(c)] - (d.y[static_cast<size_t>(i)] == c ? 1.0 : 0.0);
        for (int j = 0; j <= v; ++j) {
          const int a = idx(c, j);
          if (a < 0) continue;
          const double xj = j < v ? d.x[static_cast<size_t>(i)][static_cast<size_t>(j)] : 1.0;
          ga[a] += wi * r * xj;
          for (int c2 = 0; c2 < k; ++c2) {
            const double h = p[static_cast<size_t>(c)] * ((c == c2 ? 1.0 : 0.0) - p[static_cast<size_t>(c2)]);
            for (int j2 = 0; j2 <= v; ++j2) {
              const int b2 = idx(c2, j2);
              if (b2 < 0) continue;
              const double xj2 = j2 < v ? d.x[static_cast<size_t>(i)][static_cast<size_t>(j2)] : 1.0;
              Ha[a][b2] += wi * h * xj * xj2;
            }
          }
        }
      }
    }
    for (int a = 0; a < k * v; ++a) {
      ga[a] += theta[static_cast<size_t>(a)] / (C * S);
      Ha[a][a] += 1.0 / (C * S);
    }
    const auto step = torch::linalg_solve(H, g);
    const auto sa = step.accessor<double, 1>();
    double t = 1.0;
    const double f0 = f(theta);
    std::vector<double> next(theta);
    for (;;) {
      for (int a = 0; a < dim; ++a) next[static_cast<size_t>(a)] = theta[static_cast<size_t>(a)] - t * sa[a];
      if (f(next) <= f0 || t < 1e-8) break;
      t /= 2;
    }
    theta = next;
  }
  NewtonSolution s;
  s.W.assign(static_cast<size_t>(k), std::vector<double>(static_cast<size_t>(v)));
  s.b.assign(static_cast<size_t>(k), 0.0);
  for (int c = 0; c < k; ++c) {
    for (int j = 0; j < v; ++j) s.W[static_cast<size_t>(c)][static_cast<size_t>(j)] = unpack(theta, c, j);
    s.b[static_cast<size_t>(c)] = bias(theta, c);
  }
  return s;
}

LogregProblem problem_of(const Dense& d, int k) {
  LogregProblem p;
  p.x = coordinates(d.x);
  p.num_features = static_cast<int64_t>(d.x[0].size());
  p.num_classes = k;
  p.labels = d.y;
  p.weights = d.w;
  return p;
}

TEST(LogregFit, MatchesNewtonsMethodOnAWeightedProblem) {
  const int k = 3, v = 4;
  const auto d = random_problem(40, v, k, 17);
  for (const double C : {0.5, 10.0}) {
    LogregOptions o;
    o.C = C;
    o.tol = 1e-7;  // near the optimum the objective's change falls below double's resolution first
    const auto s = fit_logreg(problem_of(d, k), o);
    EXPECT_TRUE(s.converged) << "C " << C << ": largest gradient " << s.max_gradient;
    const auto ref = newton(d, k, C);
    const auto b = s.bias - s.bias[0];  // the same shift Newton fixed
    for (int c = 0; c < k; ++c) {
      for (int j = 0; j < v; ++j)
        EXPECT_NEAR(s.weight[c][j].item<double>(), ref.W[static_cast<size_t>(c)][static_cast<size_t>(j)],
                    1e-5)
            << "C " << C << " W[" << c << "][" << j << "]";
      EXPECT_NEAR(b[c].item<double>(), ref.b[static_cast<size_t>(c)], 1e-5) << "C " << C << " b[" << c << "]";
    }
  }
}

TEST(LogregFit, AnInterceptOnlyModelPredictsTheWeightedClassShares) {
  // No features at all: the optimum is softmax(b) = the sample-weighted class frequencies (closed form).
  LogregProblem p;
  p.x.rows = 6;
  p.x.row = torch::empty({0}, torch::kLong);
  p.x.column = torch::empty({0}, torch::kLong);
  p.x.value = torch::empty({0}, torch::kDouble);
  p.num_features = 2;
  p.num_classes = 3;
  p.labels = {0, 0, 1, 2, 2, 2};
  p.weights = {1, 3, 2, 1, 1, 2};  // class totals 4, 2, 4 of 10
  LogregOptions o;
  o.tol = 1e-10;
  const auto s = fit_logreg(p, o);
  const auto shares = torch::softmax(s.bias, 0);
  EXPECT_NEAR(shares[0].item<double>(), 0.4, 1e-8);
  EXPECT_NEAR(shares[1].item<double>(), 0.2, 1e-8);
  EXPECT_NEAR(shares[2].item<double>(), 0.4, 1e-8);
  EXPECT_EQ(s.weight.abs().max().item<double>(), 0.0);
}

TEST(LogregFit, AWeightOfTwoEqualsADuplicatedRow) {
  const int k = 2;
  auto d = random_problem(12, 3, k, 5);
  for (auto& w : d.w) w = 1;
  d.w[3] = 2;
  Dense dup = d;
  dup.w[3] = 1;
  dup.x.push_back(d.x[3]);
  dup.y.push_back(d.y[3]);
  dup.w.push_back(1);
  LogregOptions o;
  o.tol = 1e-10;
  const auto a = fit_logreg(problem_of(d, k), o);
  const auto b = fit_logreg(problem_of(dup, k), o);
  EXPECT_TRUE(torch::allclose(a.weight, b.weight, 1e-7, 1e-7));
  EXPECT_TRUE(torch::allclose(a.bias - a.bias[0], b.bias - b.bias[0], 1e-7, 1e-7));
  // And weights matter: all-ones is a different solution.
  auto ones = d;
  ones.w[3] = 1;
  EXPECT_FALSE(torch::allclose(fit_logreg(problem_of(ones, k), o).weight, a.weight, 1e-4, 1e-4));
}

TEST(LogregFit, RejectsLabelsOutsideTheClasses) {
  auto d = random_problem(5, 2, 2, 1);
  auto p = problem_of(d, 2);
  p.labels[0] = 2;
  EXPECT_THROW(fit_logreg(p, {}), std::exception);
}

TEST(StratifiedFolds, DealEachClassEvenlyAndDeterministically) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 30; ++i) labels.push_back(i < 20 ? 0 : (i < 27 ? 1 : 2));
  const auto folds = stratified_folds(labels, 3, 9);
  EXPECT_EQ(folds, stratified_folds(labels, 3, 9));
  EXPECT_NE(folds, stratified_folds(labels, 3, 10));
  std::map<std::pair<int64_t, int64_t>, int> per;  // (class, fold) -> rows
  for (size_t i = 0; i < labels.size(); ++i) per[{labels[i], folds[i]}]++;
  for (int64_t c = 0; c < 3; ++c) {
    int lo = 1000, hi = 0;
    for (int64_t f = 0; f < 3; ++f) {
      lo = std::min(lo, per[{c, f}]);
      hi = std::max(hi, per[{c, f}]);
    }
    EXPECT_LE(hi - lo, 1) << "class " << c;
  }
  EXPECT_THROW(stratified_folds(labels, 1, 0), std::exception);
}

TEST(CrossValidate, ScoresEveryCandidateOnEveryFoldAndPicksTheBestMean) {
  const int k = 2;
  auto d = random_problem(60, 3, k, 23);
  LogregOptions o;
  // 100 twice: equal scores, and a tie goes to the earlier entry.
  const auto cv = cross_validate(problem_of(d, k), {100.0, 100.0, 0.01}, 3, 1, o);
  ASSERT_EQ(cv.candidates.size(), 3u);
  EXPECT_EQ(cv.candidates[0].fold_scores, cv.candidates[1].fold_scores);
  EXPECT_NE(cv.best, 1u);
  size_t best = 0;
  for (size_t i = 0; i < cv.candidates.size(); ++i) {
    EXPECT_EQ(cv.candidates[i].fold_scores.size(), 3u);
    if (cv.candidates[i].mean_score > cv.candidates[best].mean_score) best = i;
  }
  EXPECT_EQ(cv.best, best);
  for (const double score : cv.candidates[0].fold_scores) EXPECT_GT(score, 0.5);
}

}  // namespace
