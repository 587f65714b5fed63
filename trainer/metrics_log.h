// metrics.jsonl: one JSON object per line (a logging step or an evaluation), as the loops write it.
#pragma once

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace attune::trainer {

// Appends one line.
void append_metrics_line(const std::filesystem::path& file, const nlohmann::json& line);

// On resume: keeps only the lines whose "step" is at most `last_step` (later ones are replayed).
void truncate_metrics_after(const std::filesystem::path& file, int64_t last_step);

}  // namespace attune::trainer
