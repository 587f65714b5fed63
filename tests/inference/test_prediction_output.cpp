#include "inference/prediction_output.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/errors.h"
#include "data/csv.h"
#include "test_paths.h"

namespace attune::inference {
namespace {

const std::vector<std::string> kLabels = {"Benign", "T1003.002"};

// Two texts: the first benign (p = 0.75), the second T1003.002 (p = 0.9).
std::vector<ScoredText> two_rows() {
  Predictions p;
  p.logits = torch::tensor({{1.0f, 0.0f}, {-1.0f, 1.2f}}, torch::kFloat32);
  p.probabilities = torch::tensor({{0.75f, 0.25f}, {0.1f, 0.9f}}, torch::kFloat32);
  p.predicted = {0, 1};
  return scored_texts(p, {{3, "whoami"}, {7, "reg save hklm\\sam \"s.hive\", x"}});
}

TEST(PredictionOutput, ScoredTextsPairRowsWithInputs) {
  const auto rows = two_rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].line, 7u);
  EXPECT_EQ(rows[1].label_id, 1);
  EXPECT_FLOAT_EQ(rows[1].probabilities[1], 0.9f);
  EXPECT_FLOAT_EQ(rows[1].logits[0], -1.0f);
  Predictions p;
  p.predicted = {0};
  EXPECT_THROW(scored_texts(p, {}), std::invalid_argument);
}

TEST(PredictionOutput, ServeJsonHasLabelScoreProbabilities) {
  const auto j = prediction_json(two_rows()[1], kLabels);
  EXPECT_EQ(j["label"], "T1003.002");
  EXPECT_NEAR(j["score"].get<double>(), 0.9, 1e-6);
  EXPECT_NEAR(j["probabilities"]["Benign"].get<double>(), 0.1, 1e-6);
  EXPECT_EQ(j.size(), 3u);
}

TEST(PredictionOutput, JsonLinesOnePerTextWithOptionalLogits) {
  std::ostringstream out;
  PredictionWriter writer(out, OutputFormat::kJson, kLabels, /*with_logits=*/true);
  writer.write(two_rows());
  writer.finish();
  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]["line"], 3);
  EXPECT_EQ(objects[0]["text"], "whoami");
  EXPECT_EQ(objects[0]["label"], "Benign");
  EXPECT_EQ(objects[1]["text"], "reg save hklm\\sam \"s.hive\", x");
  ASSERT_EQ(objects[1]["logits"].size(), 2u);
  EXPECT_NEAR(objects[1]["logits"][1].get<double>(), 1.2, 1e-6);
  // line and text come first, as a reader scanning the output expects.
  EXPECT_EQ(out.str().rfind("{\"line\":3,\"text\":\"whoami\",\"label\"", 0), 0u) << out.str();

  std::ostringstream no_logits;
  PredictionWriter plain(no_logits, OutputFormat::kJson, kLabels, /*with_logits=*/false);
  plain.write(two_rows());
  EXPECT_EQ(no_logits.str().find("logits"), std::string::npos);
}

TEST(PredictionOutput, CsvParsesBackWithProbabilityColumns) {
  std::ostringstream out;
  PredictionWriter writer(out, OutputFormat::kCsv, kLabels, /*with_logits=*/true);
  writer.write(two_rows());
  writer.finish();
  const auto table = data::parse_csv(out.str(), "out.csv");
  const std::vector<std::string> header = {
      "line", "text", "label", "score", "prob_Benign", "prob_T1003.002", "logit_Benign", "logit_T1003.002"};
  EXPECT_EQ(table.header, header);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[1][0], "7");
  EXPECT_EQ(table.rows[1][1], "reg save hklm\\sam \"s.hive\", x");  // quoting round-trips
  EXPECT_EQ(table.rows[1][2], "T1003.002");
  EXPECT_FLOAT_EQ(std::stof(table.rows[1][3]), 0.9f);
  EXPECT_FLOAT_EQ(std::stof(table.rows[0][4]), 0.75f);
  EXPECT_FLOAT_EQ(std::stof(table.rows[1][7]), 1.2f);  // floats written so they read back exactly
}

TEST(PredictionOutput, EmptyCsvStillHasItsHeader) {
  std::ostringstream out;
  PredictionWriter writer(out, OutputFormat::kCsv, kLabels, /*with_logits=*/false);
  writer.finish();
  EXPECT_EQ(out.str(), "line,text,label,score,prob_Benign,prob_T1003.002\n");
}

TEST(PredictionOutput, TableAlignsLabelsAndEscapesText) {
  auto rows = two_rows();
  rows[0].text = "cmd /c\techo\nhi";
  std::ostringstream out;
  PredictionWriter writer(out, OutputFormat::kTable, kLabels, /*with_logits=*/false);
  writer.write(rows);
  const std::string expected =
      "  line  label      score   text\n"
      "     3  Benign     0.7500  cmd /c\\techo\\nhi\n"
      "     7  T1003.002  0.9000  reg save hklm\\sam \"s.hive\", x\n";
  EXPECT_EQ(out.str(), expected);
}

TEST(PredictionOutput, DisplayTextCutsOnCodePoints) {
  EXPECT_EQ(display_text("h\xC3\xA9llo", 2), "h\xC3\xA9...");
  EXPECT_EQ(display_text("abc", 3), "abc");
  EXPECT_EQ(display_text(std::string("a\x01", 2), 5), "a\\x01");
}

TEST(PredictionOutput, FormatNames) {
  EXPECT_EQ(parse_output_format("json"), OutputFormat::kJson);
  EXPECT_EQ(parse_output_format("csv"), OutputFormat::kCsv);
  EXPECT_EQ(parse_output_format("table"), OutputFormat::kTable);
  EXPECT_THROW(parse_output_format("yaml"), InputError);
}

}  // namespace
}  // namespace attune::inference

namespace attune::inference {
namespace {

TEST(PredictionOutput, OperatingPointAddsAttackScoreEverywhere) {
  OperatingPoint op;
  op.benign_id = 0;
  op.threshold = 0.2;  // the first row's attack score 0.25 reaches it: T1003.002, not argmax Benign
  op.max_benign_fpr = 0.001;
  Predictions p;
  p.logits = torch::tensor({{1.0f, 0.0f}}, torch::kFloat32);
  p.probabilities = torch::tensor({{0.75f, 0.25f}}, torch::kFloat32);
  p.predicted = {0};
  apply_operating_point(p, op);
  const auto rows = scored_texts(p, {{1, "whoami"}});
  EXPECT_EQ(rows[0].label_id, 1);
  const auto j = prediction_json(rows[0], kLabels, &op);
  EXPECT_EQ(j["label"], "T1003.002");
  EXPECT_NEAR(j["score"].get<double>(), 0.25, 1e-7);  // p of the reported label
  EXPECT_NEAR(j["attack_score"].get<double>(), 0.25, 1e-7);
  EXPECT_EQ(j["operating_point"]["threshold"], 0.2);
  EXPECT_EQ(j["operating_point"]["benign_label"], "Benign");
  EXPECT_FALSE(prediction_json(rows[0], kLabels).contains("attack_score"));
  for (const auto format : {OutputFormat::kTable, OutputFormat::kCsv, OutputFormat::kJson}) {
    std::ostringstream out;
    PredictionWriter writer(out, format, kLabels, /*with_logits=*/false, op);
    writer.write(rows);
    writer.finish();
    if (format == OutputFormat::kCsv)
      EXPECT_EQ(out.str(),
                "line,text,label,score,attack_score,prob_Benign,prob_T1003.002\n"
                "1,whoami,T1003.002,0.25,0.25,0.75,0.25\n");
    else if (format == OutputFormat::kTable)
      EXPECT_NE(out.str().find("score   attack  text\n     1  T1003.002  0.2500  0.2500  whoami"),
                std::string::npos)
          << out.str();
    else
      EXPECT_NE(out.str().find("\"attack_score\":0.25"), std::string::npos) << out.str();
  }
}

}  // namespace
}  // namespace attune::inference
