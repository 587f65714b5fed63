// The `ctf` preset: Linux attacker activity in a capture-the-flag exercise as an auditd sensor records it
// (each process's command line, as PROCTITLE / EXECVE give it), counted: one row per unique command string
// with how many times it ran. Its shape is the CTF-telemetry study's: a few hundred unique strings over
// ~50 ATT&CK techniques plus Normal, heavy-tailed counts, one technique (T1083, file and directory
// discovery) holding about 85 % of the observations, and a tail of techniques seen only a handful of times,
// so that grouping rare techniques (train's data.group_rare) and weighting by count both matter. Written
// from our own understanding of each technique (DEVELOPERS.md, Data integrity).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/generator/generator.h"

namespace attune::data {

inline const std::string kCtfPreset = "ctf";

// The labels of the ctf preset: "Normal" first, then the techniques in the order the preset lists them.
const std::vector<std::string>& ctf_labels();

// Every unique row of the preset (text, label, count, template id), in label order. Deterministic for a
// seed; no text appears under two labels.
std::vector<GeneratedRow> ctf_rows(std::uint64_t seed);

// The preset's GeneratedData: all rows (all.csv, for train's data.split) and a stratified 60/20/20 split
// of them into train/validation/test, with the manifest (observations per label, the count distribution).
GeneratedData generate_ctf(std::uint64_t seed);

}  // namespace attune::data
