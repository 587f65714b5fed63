#include "inference/prediction_output.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "base/errors.h"
#include "data/csv.h"

namespace attune::inference {

namespace {

std::vector<float> row_of(const torch::Tensor& matrix, int64_t row) {
  const auto r = matrix[row].to(torch::kFloat32).contiguous();
  return {r.data_ptr<float>(), r.data_ptr<float>() + r.numel()};
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

// Shortest form that reads back as the same float.
std::string number(float value) {
  char buf[64];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(value));
    if (std::strtof(buf, nullptr) == value) break;
  }
  return buf;
}

// Bytes of the UTF-8 sequence that starts with lead byte c (1 for anything unexpected).
std::size_t sequence_length(unsigned char c) {
  if (c >= 0xF0 && c <= 0xF4) return 4;
  if (c >= 0xE0) return c <= 0xEF ? 3 : 1;
  if (c >= 0xC2) return 2;
  return 1;
}

// The row's attack score under `op`: as apply_operating_point computed it, else from its probabilities.
double attack_score_of(const ScoredText& r, const OperatingPoint& op) {
  return r.attack_score.value_or(
      1.0 - static_cast<double>(r.probabilities.at(static_cast<std::size_t>(op.benign_id))));
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

OutputFormat parse_output_format(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json" || name == "jsonl") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  throw InputError("--format: '" + name + "' is not an output format (expected table, json or csv)");
}

std::vector<ScoredText> scored_texts(const Predictions& predictions, const std::vector<InputText>& inputs) {
  if (predictions.predicted.size() != inputs.size())
    throw std::invalid_argument("scored_texts: " + std::to_string(predictions.predicted.size()) +
                                " predictions for " + std::to_string(inputs.size()) + " inputs");
  std::vector<ScoredText> rows(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto& r = rows[i];
    r.line = inputs[i].line;
    r.text = inputs[i].text;
    r.label_id = predictions.predicted[i];
    r.probabilities = row_of(predictions.probabilities, static_cast<int64_t>(i));
    r.logits = row_of(predictions.logits, static_cast<int64_t>(i));
    if (!predictions.attack_scores.empty()) r.attack_score = predictions.attack_scores.at(i);
  }
  return rows;
}

nlohmann::json prediction_json(const ScoredText& scored, const std::vector<std::string>& labels,
                               const OperatingPoint* op) {
  if (scored.probabilities.size() != labels.size() || scored.label_id < 0 ||
      scored.label_id >= static_cast<int64_t>(labels.size()))
    throw std::invalid_argument("prediction_json: a prediction over " +
                                std::to_string(scored.probabilities.size()) + " classes for " +
                                std::to_string(labels.size()) + " labels");
  nlohmann::json probabilities = nlohmann::json::object();
  for (std::size_t c = 0; c < labels.size(); ++c) probabilities[labels[c]] = scored.probabilities[c];
  const auto id = static_cast<std::size_t>(scored.label_id);
  nlohmann::json j = {{"label", labels[id]},
                      {"score", scored.probabilities[id]},
                      {"probabilities", std::move(probabilities)}};
  if (op) {
    j["attack_score"] = attack_score_of(scored, *op);
    j["operating_point"] = {{"benign_label", op->benign_label},
                            {"threshold", op->threshold},
                            {"max_benign_fpr", op->max_benign_fpr}};
  }
  return j;
}

nlohmann::ordered_json prediction_line_json(const ScoredText& scored, const std::vector<std::string>& labels,
                                            bool with_logits, const OperatingPoint* op) {
  const auto p = prediction_json(scored, labels, op);
  nlohmann::ordered_json j;
  j["line"] = scored.line;
  j["text"] = scored.text;
  j["label"] = p["label"];
  j["score"] = p["score"];
  j["probabilities"] = nlohmann::ordered_json::object();
  for (std::size_t c = 0; c < labels.size(); ++c) j["probabilities"][labels[c]] = scored.probabilities[c];
  if (op) {
    j["attack_score"] = p["attack_score"];
    j["operating_point"] = p["operating_point"];
  }
  if (with_logits) j["logits"] = scored.logits;
  return j;
}

std::string display_text(const std::string& text, std::size_t max_code_points) {
  std::string out;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (shown == max_code_points) return out + "...";
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (c == '\r')
        out += "\\r";
      else {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02X", c);
        out += buf;
      }
      ++i;
    } else {
      const auto n = std::min(sequence_length(c), text.size() - i);
      out.append(text, i, n);
      i += n;
    }
    ++shown;
  }
  return out;
}

PredictionWriter::PredictionWriter(std::ostream& out, OutputFormat format, std::vector<std::string> labels,
                                   bool with_logits, std::optional<OperatingPoint> op)
    : out_(out), format_(format), labels_(std::move(labels)), with_logits_(with_logits), op_(std::move(op)) {
  for (const auto& l : labels_) label_width_ = std::max(label_width_, code_points(l));
}

void PredictionWriter::header() {
  if (header_done_) return;
  header_done_ = true;
  if (format_ == OutputFormat::kTable) {
    std::string label = "label";
    label.resize(label_width_, ' ');
    out_ << "  line  " << label << (op_ ? "  score   attack  text\n" : "  score   text\n");
  } else if (format_ == OutputFormat::kCsv) {
    out_ << "line,text,label,score" << (op_ ? ",attack_score" : "");
    for (const auto& l : labels_) out_ << "," << data::csv_escape("prob_" + l);
    if (with_logits_)
      for (const auto& l : labels_) out_ << "," << data::csv_escape("logit_" + l);
    out_ << "\n";
  }
}

void PredictionWriter::write(const std::vector<ScoredText>& rows) {
  header();
  for (const auto& r : rows) {
    if (format_ == OutputFormat::kJson) {
      out_ << prediction_line_json(r, labels_, with_logits_, op_ ? &*op_ : nullptr).dump() << "\n";
      continue;
    }
    const auto id = static_cast<std::size_t>(r.label_id);
    const auto& label = labels_.at(id);
    const float score = r.probabilities.at(id);
    const double attack = op_ ? attack_score_of(r, *op_) : 0.0;
    if (format_ == OutputFormat::kTable) {
      char line[32];
      std::snprintf(line, sizeof(line), "%6zu", r.line);
      std::string padded =
          label + std::string(label_width_ - std::min(label_width_, code_points(label)), ' ');
      out_ << line << "  " << padded << "  " << fixed(score, 4) << "  "
           << (op_ ? fixed(attack, 4) + "  " : "") << display_text(r.text, kTableTextWidth) << "\n";
    } else {
      out_ << r.line << "," << data::csv_escape(r.text) << "," << data::csv_escape(label) << ","
           << number(score);
      if (op_) out_ << "," << number(static_cast<float>(attack));
      for (float p : r.probabilities) out_ << "," << number(p);
      if (with_logits_)
        for (float l : r.logits) out_ << "," << number(l);
      out_ << "\n";
    }
  }
}

void PredictionWriter::finish() {
  header();
  out_.flush();
}

}  // namespace attune::inference
