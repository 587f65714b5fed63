#include "inference/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"

namespace attune::inference {
namespace {

// The heading of sklearn's last row, which sets the minimum width of the name column.
const std::string kWeightedAvg = "weighted avg";
// Width of each numeric column in sklearn's layout.
constexpr int kColumnWidth = 9;

std::string printf_string(const char* format, double value, int precision) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, precision, value);
  return buffer;
}

std::string right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}
std::string left(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// A count as sklearn prints it: an int when unweighted; a float as Python's repr when weighted ("3.0").
std::string count_text(double value, bool weighted) {
  const bool integral = std::floor(value) == value && std::fabs(value) < 1e15;
  if (!weighted) return integral ? printf_string("%.*f", value, 0) : printf_string("%.*g", value, 17);
  if (integral) return printf_string("%.*f", value, 0) + ".0";
  for (int precision = 1; precision <= 17; ++precision) {  // shortest text that reads back exactly
    std::string text = printf_string("%.*g", value, precision);
    if (std::strtod(text.c_str(), nullptr) == value) return text;
  }
  return printf_string("%.*g", value, 17);
}

std::string fixed(double value, int digits) {
  return printf_string("%.*f", value, digits);
}

std::string scores_row(const std::string& name, const ClassScores& s, std::size_t width, int digits,
                       bool weighted) {
  return right(name, width) + " " + " " + right(fixed(s.precision, digits), kColumnWidth) + " " +
         right(fixed(s.recall, digits), kColumnWidth) + " " + right(fixed(s.f1, digits), kColumnWidth) + " " +
         right(count_text(s.support, weighted), kColumnWidth) + "\n";
}

nlohmann::json scores_json(const ClassScores& s) {
  return {{"precision", s.precision}, {"recall", s.recall}, {"f1-score", s.f1}, {"support", s.support}};
}

ClassScores scores_from_json(const nlohmann::json& j, const std::string& key) {
  try {
    return {j.at("precision").get<double>(), j.at("recall").get<double>(), j.at("f1-score").get<double>(),
            j.at("support").get<double>()};
  } catch (const nlohmann::json::exception& e) {
    throw InputError("report JSON: key '" + key + "': " + e.what());
  }
}

}  // namespace

std::string classification_report_text(const ClassificationMetrics& m, int digits) {
  std::size_t width = kWeightedAvg.size();
  for (const auto& label : m.labels) width = std::max(width, label.size());

  std::string out = right("", width) + " ";
  for (const char* header : {"precision", "recall", "f1-score", "support"})
    out += " " + right(header, kColumnWidth);
  out += "\n\n";
  for (std::size_t c = 0; c < m.labels.size(); ++c)
    out += scores_row(m.labels[c], m.per_class[c], width, digits, m.weighted);
  out += "\n";
  // The accuracy row leaves precision and recall blank and puts accuracy in the f1-score column.
  out += right("accuracy", width) + " " + " " + right("", kColumnWidth) + " " + right("", kColumnWidth) +
         " " + right(fixed(m.accuracy, digits), kColumnWidth) + " " +
         right(count_text(m.macro_avg.support, m.weighted), kColumnWidth) + "\n";
  out += scores_row("macro avg", m.macro_avg, width, digits, m.weighted);
  out += scores_row(kWeightedAvg, m.weighted_avg, width, digits, m.weighted);
  return out;
}

std::string confusion_matrix_text(const ClassificationMetrics& m) {
  const std::string corner = "actual \\ predicted";
  std::size_t first = corner.size();
  for (const auto& label : m.labels) first = std::max(first, label.size());
  std::vector<std::size_t> widths(m.labels.size());
  for (std::size_t p = 0; p < m.labels.size(); ++p) {
    widths[p] = m.labels[p].size();
    for (const auto& row : m.confusion)
      widths[p] = std::max(widths[p], count_text(row[p], m.weighted).size());
  }
  std::string out = "Confusion matrix (rows: actual, columns: predicted)\n" + left(corner, first);
  for (std::size_t p = 0; p < m.labels.size(); ++p) out += "  " + right(m.labels[p], widths[p]);
  out += "\n";
  for (std::size_t a = 0; a < m.labels.size(); ++a) {
    out += left(m.labels[a], first);
    for (std::size_t p = 0; p < m.labels.size(); ++p)
      out += "  " + right(count_text(m.confusion[a][p], m.weighted), widths[p]);
    out += "\n";
  }
  return out;
}

std::string report_text(const EvalResult& r) {
  std::ostringstream out;
  out << "rows: " << r.rows;
  if (!std::isnan(r.loss)) out << "  loss: " << fixed(r.loss, 4);
  out << "  samples/s: " << fixed(r.samples_per_second, 1) << "  runtime: " << fixed(r.runtime_s, 1)
      << " s\n\n";
  out << classification_report_text(r.metrics) << "\n" << confusion_matrix_text(r.metrics);
  return out.str();
}

nlohmann::json report_json(const EvalResult& r) {
  const auto& m = r.metrics;
  nlohmann::json per_class = nlohmann::json::object();
  for (std::size_t c = 0; c < m.labels.size(); ++c) per_class[m.labels[c]] = scores_json(m.per_class[c]);
  return {{"labels", m.labels},
          {"confusion_matrix", m.confusion},
          {"per_class", per_class},
          {"accuracy", m.accuracy},
          {"macro_avg", scores_json(m.macro_avg)},
          {"weighted_avg", scores_json(m.weighted_avg)},
          {"weighted", m.weighted},
          {"loss", std::isnan(r.loss) ? nlohmann::json(nullptr) : nlohmann::json(r.loss)},
          {"samples_per_second", r.samples_per_second},
          {"runtime_s", r.runtime_s},
          {"rows", r.rows}};
}

EvalResult eval_result_from_json(const nlohmann::json& j) {
  EvalResult r;
  auto& m = r.metrics;
  try {
    m.labels = j.at("labels").get<std::vector<std::string>>();
    m.confusion = j.at("confusion_matrix").get<std::vector<std::vector<double>>>();
    m.accuracy = j.at("accuracy").get<double>();
    m.weighted = j.value("weighted", false);
    r.loss = j.at("loss").is_null() ? std::nan("") : j.at("loss").get<double>();
    r.samples_per_second = j.at("samples_per_second").get<double>();
    r.runtime_s = j.at("runtime_s").get<double>();
    r.rows = j.at("rows").get<std::size_t>();
    const auto& per_class = j.at("per_class");
    for (const auto& label : m.labels) {
      if (!per_class.contains(label)) throw InputError("report JSON: per_class has no entry '" + label + "'");
      m.per_class.push_back(scores_from_json(per_class.at(label), "per_class." + label));
    }
    m.macro_avg = scores_from_json(j.at("macro_avg"), "macro_avg");
    m.weighted_avg = scores_from_json(j.at("weighted_avg"), "weighted_avg");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("report JSON: ") + e.what());
  }
  if (m.confusion.size() != m.labels.size())
    throw InputError("report JSON: confusion_matrix has " + std::to_string(m.confusion.size()) +
                     " rows for " + std::to_string(m.labels.size()) + " labels");
  return r;
}

void write_test_report(const std::filesystem::path& dir, const EvalResult& result, const std::string& stem,
                       const nlohmann::json& backbone, const OperatingPointReport* operating_point) {
  std::filesystem::create_directories(dir);
  auto j = report_json(result);
  std::string text = report_text(result);
  if (operating_point) {
    j["operating_point"] = operating_point_json(*operating_point);
    text += "\n" + operating_point_text(*operating_point);
  }
  if (!backbone.is_null()) {
    j["backbone"] = backbone;
    std::string line =
        "backbone: " + backbone.value("name", std::string()) + " (" + backbone.value("how", std::string());
    if (backbone.contains("sha256") && backbone["sha256"].is_string())
      line += ", weights sha256 " + backbone["sha256"].get<std::string>();
    text = line + ")\n\n" + text;
  }
  write_file_atomic(dir / (stem + "_report.json"), j.dump(2) + "\n");
  write_file_atomic(dir / (stem + "_report.txt"), text);
}

}  // namespace attune::inference
