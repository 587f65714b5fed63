// inference/operating_point.{h,cpp} and operating_point_report.{h,cpp}: the threshold choice on hand-worked
// examples (ties, weights, a bound only met above the highest benign score, few rows), the decision rule,
// the threshold table, and the operating point in attune.json (round trip, older dirs without it).
#include "inference/operating_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "base/errors.h"
#include "inference/export_dir.h"
#include "inference/operating_point_report.h"
#include "test_paths.h"

namespace attune::inference {
namespace {

double above(double v) {
  return std::nextafter(v, std::numeric_limits<double>::infinity());
}

// Ten benign rows (0.7 twice, 0.1 twice) and three attack rows, which must not move the threshold.
const std::vector<double> kScores = {0.9, 0.7, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.05, 0.95, 0.8, 0.6};
const std::vector<bool> kBenign = {true, true, true, true,  true,  true, true,
                                   true, true, true, false, false, false};

TEST(OperatingPoint, ThresholdIsTheSmallestMeetingTheBound) {
  // 0.1 allows one row: 0.9 may stay above, the tied 0.7s may not -> just above 0.7, FPR 0.1.
  auto c = choose_threshold(kScores, kBenign, {}, 0.1);
  EXPECT_EQ(c.threshold, above(0.7));
  EXPECT_DOUBLE_EQ(c.benign_fpr, 0.1);
  EXPECT_EQ(c.benign_weight, 10.0);
  // 0.2 allows two, but a threshold cannot split the tie at 0.7: still just above 0.7, FPR 0.1 < 0.2.
  c = choose_threshold(kScores, kBenign, {}, 0.2);
  EXPECT_EQ(c.threshold, above(0.7));
  EXPECT_DOUBLE_EQ(c.benign_fpr, 0.1);
  // 0.3 allows three: 0.9 and both 0.7s -> just above 0.5, FPR exactly the bound.
  c = choose_threshold(kScores, kBenign, {}, 0.3);
  EXPECT_EQ(c.threshold, above(0.5));
  EXPECT_DOUBLE_EQ(c.benign_fpr, 0.3);
  // 0.05 allows half a row: only a threshold above the highest benign score meets it.
  c = choose_threshold(kScores, kBenign, {}, 0.05);
  EXPECT_EQ(c.threshold, above(0.9));
  EXPECT_EQ(c.benign_fpr, 0.0);
}

TEST(OperatingPoint, WeightsAndFewRows) {
  // The 0.9 row weighs 3 of 12: a bound of 0.25 keeps it above, not the 0.7s.
  std::vector<double> weights(kScores.size(), 1.0);
  weights[0] = 3;
  const auto c = choose_threshold(kScores, kBenign, weights, 0.25);
  EXPECT_EQ(c.threshold, above(0.7));
  EXPECT_DOUBLE_EQ(c.benign_fpr, 0.25);
  EXPECT_EQ(c.benign_weight, 12.0);
  // 2,000 distinct benign scores at 0.001 allow two above: just above the third highest.
  std::vector<double> scores;
  for (int i = 1; i <= 2000; ++i) scores.push_back(i / 2000.0);
  const auto many = choose_threshold(scores, std::vector<bool>(2000, true), {}, 0.001);
  EXPECT_EQ(many.threshold, above(1998 / 2000.0));
  EXPECT_DOUBLE_EQ(many.benign_fpr, 0.001);
  // No benign rows: nothing to choose on.
  EXPECT_EQ(choose_threshold({0.5}, {false}, {}, 0.01).benign_weight, 0.0);
  EXPECT_THROW(choose_threshold({0.5}, {true}, {}, 1.0), std::invalid_argument);
  EXPECT_THROW(choose_threshold({0.5}, {true, false}, {}, 0.1), std::invalid_argument);
}

TEST(OperatingPoint, DecisionRuleFlagsByAttackScoreThenTakesTheBestAttack) {
  OperatingPoint op;
  op.benign_id = 0;
  const float a[] = {0.5f, 0.3f, 0.2f};    // attack score 0.5
  const float b[] = {0.4f, 0.1f, 0.5f};    // argmax T-B, attack score 0.6
  const float c[] = {0.9f, 0.02f, 0.08f};  // argmax Benign, attack score 0.1
  op.threshold = 0.6;
  EXPECT_EQ(decide(a, 3, op), 0);
  op.threshold = 0.5;  // >= : reaching the threshold is an attack
  EXPECT_EQ(decide(a, 3, op), 1);
  op.threshold = 0.7;
  EXPECT_EQ(decide(b, 3, op), 0);  // argmax says attack; the operating point says benign
  op.threshold = 0.05;
  EXPECT_EQ(decide(c, 3, op), 2);  // argmax says benign; the best attack label is reported
  // The benign class need not come first.
  op.benign_id = 1;
  op.threshold = 0.5;
  const float d[] = {0.3f, 0.4f, 0.3f};
  EXPECT_EQ(decide(d, 3, op), 0);  // first of the tied attack classes
  const auto all = decide_all(torch::tensor({{0.3f, 0.4f, 0.3f}, {0.1f, 0.8f, 0.1f}}), op);
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1}));
}

TEST(OperatingPoint, ChoiceOnProbabilitiesReportsValidationRecall) {
  // Benign attack scores 0.1, 0.2, 0.3, 0.4; attacks 0.35 and 0.9: a bound of 0.25 allows one benign row.
  const auto p =
      torch::tensor({{0.9f, 0.1f}, {0.8f, 0.2f}, {0.7f, 0.3f}, {0.6f, 0.4f}, {0.65f, 0.35f}, {0.1f, 0.9f}});
  const auto op = choose_operating_point(p, {0, 0, 0, 0, 1, 1}, {}, "Benign", 0, 0.25);
  EXPECT_EQ(op.threshold, above(1.0 - static_cast<double>(0.7f)));
  EXPECT_DOUBLE_EQ(op.validation_benign_fpr, 0.25);
  EXPECT_DOUBLE_EQ(op.validation_attack_recall, 1.0);  // 0.35 and 0.9 are above just-over-0.3
  EXPECT_EQ(op.validation_benign_rows, 4.0);
  EXPECT_EQ(op.validation_attack_rows, 2.0);
}

TEST(OperatingPoint, ThresholdTableAndReportByHand) {
  const std::vector<std::string> labels = {"Benign", "T-A", "T-B"};
  Predictions pr;
  pr.probabilities = torch::tensor({{0.95f, 0.03f, 0.02f},    // Benign, score 0.05
                                    {0.40f, 0.50f, 0.10f},    // Benign, 0.6
                                    {0.05f, 0.90f, 0.05f},    // T-A, 0.95, technique T-A
                                    {0.30f, 0.20f, 0.50f},    // T-A, 0.7, technique T-B
                                    {0.60f, 0.10f, 0.30f}});  // T-B, 0.4
  const std::vector<int64_t> y = {0, 0, 1, 1, 2};
  OperatingPoint op;
  op.threshold = 0.5;
  const auto r = operating_point_report(pr, y, {}, labels, op, /*temperature=*/1.5);
  ASSERT_EQ(r.table.size(), 4u);  // 0.5 is both a listed threshold and the chosen one
  EXPECT_EQ(r.table[0].threshold, 0.5);
  EXPECT_TRUE(r.table[0].chosen);
  EXPECT_DOUBLE_EQ(r.table[0].benign_fpr, 0.5);
  EXPECT_DOUBLE_EQ(r.table[0].attack_recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.table[0].attack_precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.table[0].technique_recall, 1.0 / 3);
  EXPECT_EQ(r.table[1].threshold, 0.9);
  EXPECT_DOUBLE_EQ(r.table[1].benign_fpr, 0.0);
  EXPECT_DOUBLE_EQ(r.table[1].attack_precision, 1.0);
  EXPECT_DOUBLE_EQ(r.table[1].technique_recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.table[2].attack_recall, 0.0);  // 0.99: nothing flagged
  EXPECT_DOUBLE_EQ(r.table[2].attack_precision, 0.0);
  // Decisions Benign, T-A, T-A, T-B, Benign.
  EXPECT_EQ(r.at_point.confusion, (std::vector<std::vector<double>>{{1, 1, 0}, {0, 1, 1}, {1, 0, 0}}));
  const auto j = operating_point_json(r);
  EXPECT_EQ(j["temperature"], 1.5);
  EXPECT_EQ(j["confusion_matrix"], nlohmann::json(r.at_point.confusion));
  EXPECT_EQ(j["thresholds"].size(), 4u);
  const auto text = operating_point_text(r);
  EXPECT_NE(text.find("temperature 1.5000"), std::string::npos) << text;
  EXPECT_NE(text.find("<- operating point"), std::string::npos) << text;
  EXPECT_NE(text.find("technique recall"), std::string::npos) << text;
}

TEST(OperatingPoint, AttuneJsonRoundTripAndOlderDirs) {
  const auto dir = attune::testing::temp_dir("operating-point-json");
  Preprocessing pre;
  pre.labels = {"T1003.002", "Benign", "T1562"};
  pre.temperature = 1.375;
  OperatingPoint op;
  op.benign_label = "Benign";
  op.threshold = above(0.97);
  op.max_benign_fpr = 0.001;
  op.validation_benign_fpr = 0.0005;
  op.validation_attack_recall = 0.93;
  op.validation_benign_rows = 2000;
  op.validation_attack_rows = 4000;
  pre.operating_point = op;
  write_preprocessing(dir, pre);
  const auto back = read_preprocessing(dir);
  EXPECT_EQ(back.temperature, 1.375);
  ASSERT_TRUE(back.operating_point.has_value());
  EXPECT_EQ(back.operating_point->benign_id, 1);             // resolved from the labels
  EXPECT_EQ(back.operating_point->threshold, op.threshold);  // exactly
  EXPECT_EQ(back.operating_point->max_benign_fpr, 0.001);
  EXPECT_EQ(back.operating_point->validation_attack_recall, 0.93);
  EXPECT_EQ(back.operating_point->validation_benign_rows, 2000);

  // An attune.json from before calibration: T = 1, argmax.
  std::ofstream(dir / kAttuneFile)
      << R"({"lowercase": true, "max_length": 64, "labels": ["Benign", "T1134"]})";
  const auto old = read_preprocessing(dir);
  EXPECT_EQ(old.temperature, 1.0);
  EXPECT_FALSE(old.operating_point.has_value());

  auto expect_error = [&](const std::string& json, const std::string& part) {
    std::ofstream(dir / kAttuneFile) << json;
    try {
      read_preprocessing(dir);
      ADD_FAILURE() << "expected an InputError for " << json;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("attune.json"), std::string::npos) << e.what();
    }
  };
  const std::string head = R"({"lowercase": true, "max_length": 64, "labels": ["Benign", "T1134"], )";
  expect_error(head + R"("temperature": -1})", "temperature");
  expect_error(
      head + R"("operating_point": {"benign_label": "Normal", "threshold": 0.9, "max_benign_fpr": 0.01}})",
      "'Normal' is not among");
  expect_error(head + R"("operating_point": {"threshold": 0.9}})", "operating_point");
}

}  // namespace
}  // namespace attune::inference
