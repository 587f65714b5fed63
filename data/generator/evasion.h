// Text variations: case games for commands (mixed-case presets), noise (extra whitespace, malformed flags,
// truncation) and the evasions of the adversarial stress set (caret and quote insertion, environment
// variable and alternate system paths, short/long flag forms, PowerShell aliases, wrappers).
#pragma once

#include <string>

#include "data/generator/rng.h"

namespace attune::data::gen {

// ASCII lower-casing.
std::string to_lower(std::string text);

// Random casing of a command: as written (most often), all lower, all upper, or a capitalized first word.
std::string case_games(const std::string& text, Rng& rng);

// One kind of noise: extra whitespace, a malformed flag, or truncation (keeps at least half the text, and
// never cuts before `keep_through`, the end of what makes the row's label; std::string::npos: the row
// has nothing known to keep, so truncation only appends a space, as it does to a short text).
std::string add_noise(const std::string& text, Rng& rng, std::size_t keep_through = 0);

// One or two evasions that apply to `text`; returns `text` unchanged when none applies.
std::string apply_evasion(const std::string& text, Rng& rng);

}  // namespace attune::data::gen
