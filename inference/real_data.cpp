#include "inference/real_data.h"

#include <cstdio>

namespace attune::inference {

namespace {

RealDataDecision count(const std::vector<int64_t>& decided, const std::vector<int64_t>& y_true,
                       const std::vector<std::string>& labels, int64_t benign_id) {
  RealDataDecision d;
  for (const auto& label : labels)
    if (label != labels.at(static_cast<std::size_t>(benign_id))) d.by_label[label];
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const bool flagged = decided[i] != benign_id, exact = decided[i] == y_true[i];
    if (y_true[i] == benign_id) {
      d.benign.rows += 1;
      d.benign.flagged += flagged;
      d.benign.exact += exact;
      continue;
    }
    for (RealDataCounts* c : {&d.attacks, &d.by_label[labels.at(static_cast<std::size_t>(y_true[i]))]}) {
      c->rows += 1;
      c->flagged += flagged;
      c->exact += exact;
    }
  }
  return d;
}

std::string percent(double part, double whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", whole > 0 ? 100.0 * part / whole : 0.0);
  return buf;
}

std::string counted(double v) {
  return std::to_string(static_cast<long long>(v + 0.5));
}

std::string line(const std::string& title, const RealDataDecision& d) {
  std::string out = "real-data proxy (" + title + "):";
  if (d.benign.rows > 0)
    out += " benign false alarms " + counted(d.benign.flagged) + " of " + counted(d.benign.rows) + " (" +
           percent(d.benign.flagged, d.benign.rows) + ")";
  if (d.attacks.rows > 0) {
    out += std::string(d.benign.rows > 0 ? ";" : "") + " attacks flagged " + counted(d.attacks.flagged) +
           " of " + counted(d.attacks.rows) + " (" + percent(d.attacks.flagged, d.attacks.rows) +
           "), exact technique " + counted(d.attacks.exact) + " (" +
           percent(d.attacks.exact, d.attacks.rows) + "):";
    for (const auto& [label, c] : d.by_label)
      if (c.rows > 0) out += " " + label + " " + counted(c.exact) + "/" + counted(c.rows);
  }
  return out + "\n";
}

nlohmann::json counts_json(const RealDataCounts& c) {
  return {{"rows", c.rows},
          {"flagged", c.flagged},
          {"exact", c.exact},
          {"flagged_rate", c.rows > 0 ? c.flagged / c.rows : 0.0},
          {"exact_rate", c.rows > 0 ? c.exact / c.rows : 0.0}};
}

nlohmann::json decision_json(const RealDataDecision& d) {
  nlohmann::json by_label = nlohmann::json::object();
  for (const auto& [label, c] : d.by_label) by_label[label] = counts_json(c);
  return {{"benign", counts_json(d.benign)}, {"attacks", counts_json(d.attacks)}, {"by_label", by_label}};
}

}  // namespace

RealDataSummary summarize_real_data(const Predictions& predictions, const std::vector<int64_t>& y_true,
                                    const std::vector<std::string>& labels, int64_t benign_id,
                                    const OperatingPoint* op) {
  RealDataSummary s;
  s.argmax = count(predictions.predicted, y_true, labels, benign_id);
  if (op) s.operating_point = count(decide_all(predictions.probabilities, *op), y_true, labels, benign_id);
  return s;
}

std::string real_data_text(const RealDataSummary& s) {
  std::string out = line("argmax", s.argmax);
  if (s.operating_point) out += line("operating point", *s.operating_point);
  return out;
}

nlohmann::json real_data_json(const RealDataSummary& s) {
  nlohmann::json j = {{"argmax", decision_json(s.argmax)}};
  if (s.operating_point) j["operating_point"] = decision_json(*s.operating_point);
  return j;
}

}  // namespace attune::inference
