#include "base/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace attune {
namespace {

// Least time between two redraws on a terminal (at most 5 a second).
constexpr double kRedrawInterval = 0.2;
// On a log: a line every kLogPercentStep percent, or after kLogInterval seconds, whichever comes first.
constexpr std::int64_t kLogPercentStep = 10;
constexpr double kLogInterval = 30.0;
// Cells of the bar drawn on a terminal.
constexpr int kBarWidth = 20;

std::string printf_double(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<std::int64_t>(seconds);
  const auto h = total / 3600;
  const auto m = (total / 60) % 60;
  const auto s = total % 60;
  char buffer[48];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(buffer, sizeof buffer, "%02lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return buffer;
}

std::string format_significant(double v, int digits) {
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string format_rate(double per_second, const std::string& unit) {
  if (!std::isfinite(per_second) || per_second <= 0) return "? " + unit + "/s";
  if (per_second >= 1.0) return printf_double("%.2f", per_second) + " " + unit + "/s";
  return printf_double("%.2f", 1.0 / per_second) + " s/" + unit;
}

std::string format_bar(double fraction, int width) {
  static const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const auto eighths = static_cast<int>(fraction * width * 8);
  const int full = eighths / 8;
  std::string bar;
  for (int i = 0; i < full; ++i) bar += "█";
  int cells = full;
  if (full < width) {
    bar += kEighths[eighths % 8];
    cells += eighths % 8 ? 1 : 0;
  }
  return bar + std::string(width - cells, ' ');
}

std::string format_progress_line(const std::string& label, std::int64_t done, std::int64_t total,
                                 double elapsed_s, const ProgressFields& fields, int bar_width) {
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  const double remaining = rate > 0 ? static_cast<double>(total - done) / rate : -1.0;
  std::string line = label + " " + printf_double("%3.0f", std::floor(fraction * 100)) + "%";
  if (bar_width > 0) line += " |" + format_bar(fraction, bar_width) + "|";
  line += " " + std::to_string(done) + "/" + std::to_string(total) + " [" + format_duration(elapsed_s) + "<" +
          format_duration(remaining) + ", " + format_rate(rate) + "]";
  for (const auto& [key, value] : fields) line += " " + key + "=" + value;
  return line;
}

ProgressBar::ProgressBar(std::string label, std::int64_t total, std::ostream& out,
                         std::optional<bool> interactive, Clock clock)
    : label_(std::move(label)),
      total_(std::max<std::int64_t>(total, 0)),
      out_(out),
      interactive_(interactive ? *interactive : ::isatty(STDERR_FILENO) != 0),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      start_(clock_()) {}

ProgressBar::ProgressBar(std::string label, std::int64_t total)
    : ProgressBar(std::move(label), total, std::cerr) {}

ProgressBar::~ProgressBar() {
  if (!finished_) finish();
}

void ProgressBar::update(std::int64_t done, const ProgressFields& fields) {
  done_ = std::clamp<std::int64_t>(done, 0, total_);
  const double now = clock_();
  if (interactive_) {
    if (now - last_draw_ >= kRedrawInterval) draw(fields, /*final_draw=*/false);
    return;
  }
  const std::int64_t step = total_ > 0 ? done_ * 100 / total_ / kLogPercentStep : 0;
  if (step > last_percent_step_ || now - last_draw_ >= kLogInterval) draw(fields, /*final_draw=*/false);
}

void ProgressBar::finish(const ProgressFields& fields) {
  if (finished_) return;
  finished_ = true;
  // A log already holding this very line gets no duplicate; a terminal line still needs its newline.
  if (!interactive_ && last_drawn_done_ == done_ && fields.empty()) return;
  draw(fields, /*final_draw=*/true);
}

void ProgressBar::draw(const ProgressFields& fields, bool final_draw) {
  const double now = clock_();
  last_draw_ = now;
  last_drawn_done_ = done_;
  if (total_ > 0) last_percent_step_ = done_ * 100 / total_ / kLogPercentStep;
  const std::string line =
      format_progress_line(label_, done_, total_, now - start_, fields, interactive_ ? kBarWidth : 0);
  if (interactive_) {
    out_ << "\r" << line << "\x1b[K";  // erase what a longer previous line left
    if (final_draw) out_ << "\n";
  } else {
    out_ << line << "\n";
  }
  out_.flush();
}

}  // namespace attune
