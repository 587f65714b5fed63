// Rendering scored texts for `predict` (an aligned table, JSON lines, or CSV) and the per-text answer
// `serve` sends ({"label", "score", "probabilities"}, plus "attack_score" and "operating_point" where an
// operating point is in force).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "inference/evaluation.h"
#include "inference/inputs.h"
#include "inference/operating_point.h"

namespace attune::inference {

enum class OutputFormat { kTable, kJson, kCsv };

// "table" | "json" (also "jsonl") | "csv"; InputError naming the accepted forms otherwise.
OutputFormat parse_output_format(const std::string& name);

// One text with its prediction.
struct ScoredText {
  std::size_t line = 0;  // where the text came from (source line, or --text position)
  std::string text;
  int64_t label_id = 0;                // argmax class id, or the operating point's decision
  std::vector<float> probabilities;    // [C] softmax (calibrated)
  std::vector<float> logits;           // [C]
  std::optional<double> attack_score;  // 1 - p(benign) where an operating point was applied
};

// Pairs each input with its row of `predictions` (same order; sizes must match, std::invalid_argument
// otherwise).
std::vector<ScoredText> scored_texts(const Predictions& predictions, const std::vector<InputText>& inputs);

// {"label": ..., "score": p(label), "probabilities": {label: p, ...}} — serve's answer for one text. With an
// operating point `op` in force also "attack_score" and "operating_point": {"benign_label", "threshold",
// "max_benign_fpr"}.
nlohmann::json prediction_json(const ScoredText& scored, const std::vector<std::string>& labels,
                               const OperatingPoint* op = nullptr);

// prediction_json plus "line" and "text" first (key order kept), and "logits" ([C], label order) when
// with_logits.
nlohmann::ordered_json prediction_line_json(const ScoredText& scored, const std::vector<std::string>& labels,
                                            bool with_logits, const OperatingPoint* op = nullptr);

// Writes scored texts as they come, in one of the output formats: the table and CSV header go out before
// the first rows (even when there are none). Table: line, label, score and the text (control characters
// escaped, cut to kTableTextWidth code points). CSV: line,text,label,score, then prob_<label> per label and,
// with logits, logit_<label> per label. JSON: one prediction_line_json object per line. With an operating
// point the table gains an "attack" column and the CSV an attack_score column after score.
class PredictionWriter {
 public:
  PredictionWriter(std::ostream& out, OutputFormat format, std::vector<std::string> labels, bool with_logits,
                   std::optional<OperatingPoint> op = std::nullopt);
  void write(const std::vector<ScoredText>& rows);
  // Writes the header if no rows came; flushes.
  void finish();

 private:
  void header();
  std::ostream& out_;
  OutputFormat format_;
  std::vector<std::string> labels_;
  bool with_logits_;
  std::optional<OperatingPoint> op_;
  bool header_done_ = false;
  std::size_t label_width_ = 5;
};

// Code points of text the table shows before cutting it with "...".
inline constexpr std::size_t kTableTextWidth = 100;

// `text` with control characters written as \n, \t, \r, \xNN, cut at max_code_points (UTF-8 aware) with
// "..." appended when longer.
std::string display_text(const std::string& text, std::size_t max_code_points);

}  // namespace attune::inference
