#include "trainer/schedule.h"

#include <algorithm>
#include <cmath>

#include "base/errors.h"

namespace attune::trainer {
namespace {

// Number of cosine half-waves from the end of warmup to the last step: 0.5 decays once from 1 to 0.
constexpr double kCosineCycles = 0.5;
constexpr double kPi = 3.14159265358979323846;

}  // namespace

ScheduleKind parse_schedule_kind(const std::string& name, const std::string& key) {
  if (name == "linear") return ScheduleKind::kLinear;
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "constant" || name == "constant_with_warmup") return ScheduleKind::kConstant;
  throw InputError(key + ": unknown schedule '" + name +
                   "', expected one of linear, cosine, constant, constant_with_warmup");
}

std::string schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kLinear:
      return "linear";
    case ScheduleKind::kCosine:
      return "cosine";
    case ScheduleKind::kConstant:
      return "constant";
  }
  return "?";
}

std::int64_t resolve_warmup_steps(std::int64_t warmup_steps, double warmup_ratio, std::int64_t total_steps) {
  if (warmup_steps < 0)
    throw InputError("warmup_steps: " + std::to_string(warmup_steps) + ", expected an integer >= 0");
  if (!(warmup_ratio >= 0.0 && warmup_ratio <= 1.0))
    throw InputError("warmup_ratio: " + std::to_string(warmup_ratio) + ", expected a number in [0, 1]");
  if (warmup_steps > 0) return warmup_steps;
  return static_cast<std::int64_t>(std::ceil(warmup_ratio * static_cast<double>(total_steps)));
}

double LrSchedule::multiplier(std::int64_t step) const {
  const auto s = static_cast<double>(step);
  const auto warmup = static_cast<double>(warmup_steps);
  if (step < warmup_steps) return s / std::max(1.0, warmup);
  const double decay_steps = std::max(1.0, static_cast<double>(total_steps - warmup_steps));
  switch (kind) {
    case ScheduleKind::kConstant:
      return 1.0;
    case ScheduleKind::kLinear:
      return std::max(0.0, static_cast<double>(total_steps - step) / decay_steps);
    case ScheduleKind::kCosine: {
      const double progress = (s - warmup) / decay_steps;
      return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * kCosineCycles * 2.0 * progress)));
    }
  }
  return 1.0;
}

}  // namespace attune::trainer
