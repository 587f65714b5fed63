#include "inference/real_data.h"

#include <gtest/gtest.h>

namespace attune::inference {
namespace {

// Five rows over {Benign, T1562, T1134}: two real benign, three real attacks, counted by hand.
TEST(RealData, CountsFalseAlarmsFlaggedAndExactByArgmaxAndAtTheOperatingPoint) {
  Predictions p;
  // probabilities (T = 1): row0 benign 0.9; row1 attack score 0.6 (T1562 argmax); row2 T1562 0.7; row3 T1134
  // 0.55 vs benign 0.45 -> argmax T1134; row4 benign 0.8 (missed).
  const std::vector<std::vector<float>> probs = {
      {0.9f, 0.05f, 0.05f}, {0.4f, 0.5f, 0.1f}, {0.2f, 0.7f, 0.1f}, {0.45f, 0.0f, 0.55f}, {0.8f, 0.1f, 0.1f}};
  p.logits = torch::zeros({5, 3});
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 3; ++j) p.logits[i][j] = std::log(std::max(probs[i][j], 1e-6f));
  p.probabilities = torch::softmax(p.logits, /*dim=*/1);  // predict() at temperature 1
  p.predicted = {0, 1, 1, 2, 0};
  const std::vector<int64_t> y_true = {0, 0, 1, 2, 1};
  const std::vector<std::string> labels = {"Benign", "T1562", "T1134"};
  OperatingPoint op;
  op.benign_id = 0;
  op.threshold = 0.58;  // attack score >= 0.58: rows 1 (0.6) and 2 (0.8); row 3 (0.55) becomes Benign
  const auto s = summarize_real_data(p, y_true, labels, 0, &op);
  EXPECT_DOUBLE_EQ(s.argmax.benign.rows, 2);
  EXPECT_DOUBLE_EQ(s.argmax.benign.flagged, 1);
  EXPECT_DOUBLE_EQ(s.argmax.attacks.rows, 3);
  EXPECT_DOUBLE_EQ(s.argmax.attacks.flagged, 2);
  EXPECT_DOUBLE_EQ(s.argmax.attacks.exact, 2);
  EXPECT_DOUBLE_EQ(s.argmax.by_label.at("T1562").exact, 1);
  EXPECT_DOUBLE_EQ(s.argmax.by_label.at("T1134").exact, 1);
  ASSERT_TRUE(s.operating_point);
  EXPECT_DOUBLE_EQ(s.operating_point->benign.flagged, 1);
  EXPECT_DOUBLE_EQ(s.operating_point->attacks.flagged, 1);
  EXPECT_DOUBLE_EQ(s.operating_point->by_label.at("T1134").exact, 0);
  const std::string text = real_data_text(s);
  EXPECT_NE(
      text.find("real-data proxy (argmax): benign false alarms 1 of 2 (50.00 %); attacks flagged 2 of 3 "
                "(66.67 %), exact technique 2 (66.67 %): T1134 1/1 T1562 1/2"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("real-data proxy (operating point): benign false alarms 1 of 2"), std::string::npos)
      << text;
  EXPECT_DOUBLE_EQ(real_data_json(s)["operating_point"]["attacks"]["flagged_rate"].get<double>(), 1.0 / 3);
  // Without an operating point only the argmax line.
  const auto plain = summarize_real_data(p, y_true, labels, 0, nullptr);
  EXPECT_FALSE(plain.operating_point);
  EXPECT_EQ(real_data_text(plain).find("operating point"), std::string::npos);
}

}  // namespace
}  // namespace attune::inference
