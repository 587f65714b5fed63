// Learning-rate schedules as Hugging Face's transformers.get_scheduler builds them: a multiplier of the
// base learning rate as a function of the number of optimizer steps already taken (LambdaLR semantics: the
// first update uses multiplier(0), which is 0 during warmup).
#pragma once

#include <cstdint>
#include <string>

namespace attune::trainer {

enum class ScheduleKind {
  kLinear,    // get_linear_schedule_with_warmup
  kCosine,    // get_cosine_schedule_with_warmup (num_cycles = 0.5)
  kConstant,  // get_constant_schedule, or get_constant_schedule_with_warmup when warmup > 0
};

// Parses "linear", "cosine", "constant" or "constant_with_warmup". Throws InputError naming `key` and
// the accepted names otherwise.
ScheduleKind parse_schedule_kind(const std::string& name, const std::string& key = "lr_scheduler_type");
std::string schedule_kind_name(ScheduleKind kind);

// TrainingArguments.get_warmup_steps: warmup_steps when > 0, else ceil(warmup_ratio * total_steps).
// Throws InputError for a negative warmup_steps or a warmup_ratio outside [0, 1].
std::int64_t resolve_warmup_steps(std::int64_t warmup_steps, double warmup_ratio, std::int64_t total_steps);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::kLinear;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 0;

  // The multiplier of the base learning rate after `step` optimizer steps.
  double multiplier(std::int64_t step) const;
};

}  // namespace attune::trainer
