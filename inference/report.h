// Evaluation reports: scikit-learn's classification_report text layout, the confusion matrix as a
// labelled table, and a JSON form; written as test_report.txt / test_report.json.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "inference/metrics.h"
#include "inference/operating_point_report.h"

namespace attune::inference {

// The text sklearn.metrics.classification_report(y_true, y_pred, target_names=labels, digits=digits)
// prints: right-aligned precision/recall/f1-score/support columns, a blank line, the accuracy row, macro
// avg and weighted avg. Supports print as integers, or as Python prints floats when weighted.
std::string classification_report_text(const ClassificationMetrics& metrics, int digits = 4);

// The confusion matrix as a table with a header: one row per actual class, one column per predicted class.
//   Confusion matrix (rows: actual, columns: predicted)
//   actual \ predicted  T1003  T1059
//   T1003                   5      1
std::string confusion_matrix_text(const ClassificationMetrics& metrics);

// The whole text report: a summary line (rows, loss, samples/s, runtime), the classification report and
// the confusion matrix.
std::string report_text(const EvalResult& result);

// JSON: labels, confusion_matrix, per_class {label: {precision, recall, f1-score, support}}, accuracy,
// macro_avg, weighted_avg, loss (null when NaN), samples_per_second, runtime_s, rows, weighted.
nlohmann::json report_json(const EvalResult& result);
// Reads report_json's form back. Throws InputError naming the missing or malformed key.
EvalResult eval_result_from_json(const nlohmann::json& json);

// Writes <dir>/<stem>_report.json and <dir>/<stem>_report.txt atomically (creates dir when missing). With a
// backbone record (Backbone::to_json), the JSON holds it under "backbone" and the text starts with a line
// naming it. With an operating point report, the JSON holds operating_point_json under "operating_point"
// and the text ends with operating_point_text.
void write_test_report(const std::filesystem::path& dir, const EvalResult& result,
                       const std::string& stem = "test", const nlohmann::json& backbone = nullptr,
                       const OperatingPointReport* operating_point = nullptr);

}  // namespace attune::inference
