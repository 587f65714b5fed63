// Rendering scored texts for `predict` (an aligned table, JSON lines, or CSV) and the per-text answer
// `serve` sends ({"label", "score", "probabilities"}).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "inference/evaluation.h"
#include "inference/inputs.h"

namespace attune::inference {

enum class OutputFormat { kTable, kJson, kCsv };

// "table" | "json" (also "jsonl") | "csv"; InputError naming the accepted forms otherwise.
OutputFormat parse_output_format(const std::string& name);

// One text with its prediction.
struct ScoredText {
  std::size_t line = 0;  // where the text came from (source line, or --text position)
  std::string text;
  int64_t label_id = 0;              // argmax class id
  std::vector<float> probabilities;  // [C] softmax
  std::vector<float> logits;         // [C]
};

// Pairs each input with its row of `predictions` (same order; sizes must match, std::invalid_argument
// otherwise).
std::vector<ScoredText> scored_texts(const Predictions& predictions, const std::vector<InputText>& inputs);

// {"label": ..., "score": p(label), "probabilities": {label: p, ...}} — serve's answer for one text.
nlohmann::json prediction_json(const ScoredText& scored, const std::vector<std::string>& labels);

// prediction_json plus "line" and "text" first (key order kept), and "logits" ([C], label order) when
// with_logits.
nlohmann::ordered_json prediction_line_json(const ScoredText& scored, const std::vector<std::string>& labels,
                                            bool with_logits);

// Writes scored texts as they come, in one of the output formats: the table and CSV header go out before
// the first rows (even when there are none). Table: line, label, score and the text (control characters
// escaped, cut to kTableTextWidth code points). CSV: line,text,label,score, then prob_<label> per label and,
// with logits, logit_<label> per label. JSON: one prediction_line_json object per line.
class PredictionWriter {
 public:
  PredictionWriter(std::ostream& out, OutputFormat format, std::vector<std::string> labels, bool with_logits);
  void write(const std::vector<ScoredText>& rows);
  // Writes the header if no rows came; flushes.
  void finish();

 private:
  void header();
  std::ostream& out_;
  OutputFormat format_;
  std::vector<std::string> labels_;
  bool with_logits_;
  bool header_done_ = false;
  std::size_t label_width_ = 5;
};

// Code points of text the table shows before cutting it with "...".
inline constexpr std::size_t kTableTextWidth = 100;

// `text` with control characters written as \n, \t, \r, \xNN, cut at max_code_points (UTF-8 aware) with
// "..." appended when longer.
std::string display_text(const std::string& text, std::size_t max_code_points);

}  // namespace attune::inference
