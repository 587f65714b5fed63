#include "base/progress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace attune {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

TEST(Progress, FormatsDurationsLikeTqdm) {
  EXPECT_EQ(format_duration(0), "00:00");
  EXPECT_EQ(format_duration(59.9), "00:59");
  EXPECT_EQ(format_duration(63), "01:03");
  EXPECT_EQ(format_duration(3599), "59:59");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(36000), "10:00:00");
  EXPECT_EQ(format_duration(-1), "?");
  EXPECT_EQ(format_duration(std::nan("")), "?");
  EXPECT_EQ(format_duration(INFINITY), "?");
}

TEST(Progress, FormatsRates) {
  EXPECT_EQ(format_rate(5.929), "5.93 it/s");
  EXPECT_EQ(format_rate(0.4), "2.50 s/it");
  EXPECT_EQ(format_rate(0), "? it/s");
  EXPECT_EQ(format_rate(12, "samples"), "12.00 samples/s");
}

TEST(Progress, FormatsBars) {
  EXPECT_EQ(format_bar(0.0, 4), "    ");
  EXPECT_EQ(format_bar(0.5, 4), "██  ");
  EXPECT_EQ(format_bar(1.0, 4), "████");
  EXPECT_EQ(format_bar(1.7, 2), "██");
  EXPECT_EQ(format_bar(9.0 / 16.0, 2), "█▏");  // 9 eighths of 16
}

TEST(Progress, FormatsOneLine) {
  EXPECT_EQ(format_progress_line("train", 370, 1000, 62.4, {{"loss", "0.4123"}, {"lr", "1.9e-05"}}, 0),
            "train  37% 370/1000 [01:02<01:46, 5.93 it/s] loss=0.4123 lr=1.9e-05");
  EXPECT_EQ(format_progress_line("eval", 0, 10, 0.0, {}, 4), "eval   0% |    | 0/10 [00:00<?, ? it/s]");
  EXPECT_EQ(format_progress_line("eval", 10, 10, 5.0, {}, 4),
            "eval 100% |████| 10/10 [00:05<00:00, 2.00 it/s]");
}

// On a log: a line every 10% (or 30 s), no duplicate at the end.
TEST(Progress, LogModePrintsPeriodicLines) {
  std::ostringstream out;
  double now = 0.0;
  {
    ProgressBar bar("train", 100, out, /*interactive=*/false, [&] { return now; });
    for (int i = 1; i <= 100; ++i) {
      now += 0.125;
      bar.update(i);
    }
    bar.finish();
  }
  EXPECT_EQ(count(out.str(), "\n"), 11u);  // at 1% (the start), then 10%, 20%, ..., 100%
  EXPECT_EQ(count(out.str(), "\r"), 0u);
  EXPECT_NE(out.str().find("train  10% 10/100 [00:01<00:11, 8.00 it/s]\n"), std::string::npos);
  EXPECT_NE(out.str().find("train 100% 100/100 [00:12<00:00, 8.00 it/s]\n"), std::string::npos);

  std::ostringstream slow;
  now = 0.0;
  ProgressBar bar("train", 1000, slow, /*interactive=*/false, [&] { return now; });
  bar.update(101);  // 10%: a line
  now = 31.0;
  bar.update(102);  // same 10% step, but 30 s passed: a line
  now = 32.0;
  bar.update(103);  // neither
  EXPECT_EQ(count(slow.str(), "\n"), 2u);
}

// On a terminal: redrawn in place, at most 5 times a second, one newline at the end.
TEST(Progress, TerminalModeRedrawsInPlaceAtMostFiveTimesASecond) {
  std::ostringstream out;
  double now = 0.0;
  ProgressBar bar("train", 100, out, /*interactive=*/true, [&] { return now; });
  for (int i = 1; i <= 100; ++i) {
    now += 0.01;  // 1 s in all
    bar.update(i, {{"loss", "0.5"}});
  }
  bar.finish({{"loss", "0.4"}});
  const auto draws = count(out.str(), "\r");
  EXPECT_GE(draws, 5u);
  EXPECT_LE(draws, 7u);
  EXPECT_EQ(count(out.str(), "\n"), 1u);
  EXPECT_NE(out.str().find("100/100"), std::string::npos);
  EXPECT_NE(out.str().find("loss=0.4"), std::string::npos);
}

}  // namespace
}  // namespace attune
