// A progress display for long loops: redrawn in place (\r) at most a few times a second on a terminal,
// and as plain lines every few percent or every 30 s when stderr is a log file (CI).
//   train  37% |███████▍            | 370/1000 [01:02<01:45, 5.93 it/s] loss=0.4123 lr=1.9e-05
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace attune {

// Seconds as tqdm prints them: "MM:SS" under an hour, "H:MM:SS" from an hour ("1:02:03"); "?" when
// negative or not finite.
std::string format_duration(double seconds);
// Iterations per second as "5.93 it/s", or "2.50 s/it" when slower than one per second; "? it/s" when
// unknown. `unit` replaces "it".
std::string format_rate(double per_second, const std::string& unit = "it");
// `v` with `digits` significant digits, as an ostream prints it ("0.4123", "1.9e-05") — losses, rates and
// learning rates in progress fields and log lines.
std::string format_significant(double v, int digits = 4);
// Seconds elapsed since `start` on the steady clock.
double seconds_since(std::chrono::steady_clock::time_point start);
// A bar of `width` cells for fraction in [0, 1], with eighth-cell precision.
std::string format_bar(double fraction, int width);

// Free-form fields shown after the counters: {"loss", "0.4123"}, {"lr", "1.9e-05"}.
using ProgressFields = std::vector<std::pair<std::string, std::string>>;

// One line: label, percent, bar (when bar_width > 0), done/total, elapsed<remaining, rate, fields.
std::string format_progress_line(const std::string& label, std::int64_t done, std::int64_t total,
                                 double elapsed_s, const ProgressFields& fields, int bar_width);

class ProgressBar {
 public:
  using Clock = std::function<double()>;  // seconds since any fixed point

  // `interactive`: redraw in place; by default, whether stderr is a terminal. `clock`: for tests.
  ProgressBar(std::string label, std::int64_t total, std::ostream& out, std::optional<bool> interactive = {},
              Clock clock = {});
  ProgressBar(std::string label, std::int64_t total);  // to std::cerr

  // Reports `done` of `total`. Draws when enough time has passed (terminal) or the next step of the
  // percentage or the 30 s interval was crossed (log).
  void update(std::int64_t done, const ProgressFields& fields = {});
  // Draws the final state and ends the line. Called by the destructor when not called before.
  void finish(const ProgressFields& fields = {});
  ~ProgressBar();

 private:
  void draw(const ProgressFields& fields, bool final_draw);

  std::string label_;
  std::int64_t total_;
  std::ostream& out_;
  bool interactive_;
  Clock clock_;
  double start_;
  double last_draw_ = -1e300;
  std::int64_t done_ = 0;
  std::int64_t last_drawn_done_ = -1;
  std::int64_t last_percent_step_ = -1;
  bool finished_ = false;
};

}  // namespace attune
