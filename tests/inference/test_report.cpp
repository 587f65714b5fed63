#include "inference/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::inference {
namespace {

// The example in scikit-learn's classification_report documentation, printed there with digits=2.
TEST(Report, MatchesSklearnDocumentationExample) {
  const auto m = compute_metrics({"class 0", "class 1", "class 2"}, {0, 1, 2, 2, 2}, {0, 0, 2, 2, 1});
  const std::string expected =
      "              precision    recall  f1-score   support\n"
      "\n"
      "     class 0       0.50      1.00      0.67         1\n"
      "     class 1       0.00      0.00      0.00         1\n"
      "     class 2       1.00      0.67      0.80         3\n"
      "\n"
      "    accuracy                           0.60         5\n"
      "   macro avg       0.50      0.56      0.49         5\n"
      "weighted avg       0.70      0.60      0.61         5\n";
  EXPECT_EQ(classification_report_text(m, /*digits=*/2), expected);
}

// Hand-computed with sklearn's formulas (see test_metrics.cpp's example), digits=4.
TEST(Report, FourDigitsHandComputed) {
  const auto m =
      compute_metrics({"T1003", "T1059", "T1105"}, {0, 0, 0, 1, 1, 2, 2, 2, 2}, {0, 0, 1, 1, 0, 2, 2, 1, 2});
  const std::string expected =
      "              precision    recall  f1-score   support\n"
      "\n"
      "       T1003     0.6667    0.6667    0.6667         3\n"
      "       T1059     0.3333    0.5000    0.4000         2\n"
      "       T1105     1.0000    0.7500    0.8571         4\n"
      "\n"
      "    accuracy                         0.6667         9\n"
      "   macro avg     0.6667    0.6389    0.6413         9\n"
      "weighted avg     0.7407    0.6667    0.6921         9\n";
  EXPECT_EQ(classification_report_text(m), expected);
}

// A label longer than "weighted avg" widens the name column; weighted supports print as Python floats.
TEST(Report, LongLabelsAndWeightedSupports) {
  const auto m = compute_metrics({"T1218.011 rundll32", "b"}, {0, 1, 1}, {0, 1, 0}, {2.0, 1.0, 3.0});
  const std::string expected =
      "                    precision    recall  f1-score   support\n"
      "\n"
      "T1218.011 rundll32     0.4000    1.0000    0.5714       2.0\n"
      "                 b     1.0000    0.2500    0.4000       4.0\n"
      "\n"
      "          accuracy                         0.5000       6.0\n"
      "         macro avg     0.7000    0.6250    0.4857       6.0\n"
      "      weighted avg     0.8000    0.5000    0.4571       6.0\n";
  EXPECT_EQ(classification_report_text(m), expected);
}

TEST(Report, ConfusionMatrixTable) {
  const auto m = compute_metrics({"T1003", "T1059.001", "x"}, {0, 0, 1, 2, 2, 2}, {0, 1, 1, 2, 2, 0});
  const std::string expected =
      "Confusion matrix (rows: actual, columns: predicted)\n"
      "actual \\ predicted  T1003  T1059.001  x\n"
      "T1003                   1          1  0\n"
      "T1059.001               0          1  0\n"
      "x                       1          0  2\n";
  EXPECT_EQ(confusion_matrix_text(m), expected);
}

EvalResult sample_result() {
  EvalResult r;
  r.metrics = compute_metrics({"a", "b"}, {0, 1, 1, 0}, {0, 1, 0, 0});
  r.loss = 0.125;
  r.samples_per_second = 250.5;
  r.runtime_s = 0.016;
  r.rows = 4;
  return r;
}

TEST(Report, JsonHoldsEverythingAndReadsBack) {
  const auto r = sample_result();
  const auto j = report_json(r);
  EXPECT_EQ(j.at("labels"), nlohmann::json({"a", "b"}));
  EXPECT_EQ(j.at("confusion_matrix"), nlohmann::json({{2.0, 0.0}, {1.0, 1.0}}));
  EXPECT_DOUBLE_EQ(j.at("per_class").at("a").at("precision").get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(j.at("per_class").at("b").at("recall").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 0.75);
  EXPECT_TRUE(j.at("macro_avg").contains("f1-score"));
  EXPECT_TRUE(j.at("weighted_avg").contains("support"));
  EXPECT_EQ(j.at("loss").get<double>(), 0.125);
  EXPECT_EQ(j.at("samples_per_second").get<double>(), 250.5);
  EXPECT_EQ(j.at("rows").get<int>(), 4);

  const auto back = eval_result_from_json(j);
  EXPECT_EQ(back.metrics.labels, r.metrics.labels);
  EXPECT_EQ(back.metrics.confusion, r.metrics.confusion);
  EXPECT_EQ(classification_report_text(back.metrics), classification_report_text(r.metrics));
  EXPECT_EQ(back.loss, r.loss);
  EXPECT_EQ(back.rows, r.rows);

  auto no_loss = r;
  no_loss.loss = std::nan("");
  EXPECT_TRUE(report_json(no_loss).at("loss").is_null());
  EXPECT_TRUE(std::isnan(eval_result_from_json(report_json(no_loss)).loss));

  auto broken = j;
  broken.erase("per_class");
  EXPECT_THROW(eval_result_from_json(broken), InputError);
}

TEST(Report, WritesJsonAndTextFiles) {
  const auto dir = testing::temp_dir("report") / "run";
  const auto r = sample_result();
  write_test_report(dir, r);
  std::ifstream json_in(dir / "test_report.json");
  EXPECT_EQ(nlohmann::json::parse(json_in), report_json(r));
  std::ifstream text_in(dir / "test_report.txt");
  std::stringstream text;
  text << text_in.rdbuf();
  EXPECT_EQ(text.str(), report_text(r));
  EXPECT_NE(text.str().find("rows: 4  loss: 0.1250  samples/s: 250.5  runtime: 0.0 s\n"), std::string::npos);
  EXPECT_NE(text.str().find(classification_report_text(r.metrics)), std::string::npos);
  EXPECT_NE(text.str().find(confusion_matrix_text(r.metrics)), std::string::npos);
}

}  // namespace
}  // namespace attune::inference
