#include "data/generator/presets.h"

#include "base/errors.h"
#include "data/generator/ctf.h"
#include "data/generator/templates.h"

namespace attune::data {

namespace {
// Share of every preset's Benign rows taken from real command lines (the benign world's train packages).
constexpr std::uint32_t kWorldPerMille = 400;
}  // namespace

const std::vector<PresetSpec>& preset_specs() {
  using namespace gen;
  static const std::vector<PresetSpec> presets = {
      {"binary",
       "Benign vs T1003.002 (SAM credential dumping); test split of exactly 1,925 Benign and 1,997 T1003.002 "
       "rows",
       {kBenign, kT1003_002},
       {19250, 19970},
       {kT1003_002},
       /*lowercase=*/false,
       /*noise_per_mille=*/0,
       /*evasion_per_mille=*/0,
       {},
       /*world_per_mille=*/kWorldPerMille},
      {"discovery4",
       "Benign, T1003.002, T1087.001 (local account discovery), T1049 (network connections discovery); "
       "20,000 rows",
       {kBenign, kT1003_002, kT1087_001, kT1049},
       {5000, 5000, 5000, 5000},
       {kT1003_002, kT1087_001, kT1049},
       /*lowercase=*/false,
       /*noise_per_mille=*/0,
       /*evasion_per_mille=*/0,
       {},
       /*world_per_mille=*/kWorldPerMille},
      {"4class",
       "Benign, T1003.002, T1562 (impair defenses), T1134 (access token manipulation); 150,000 lower-cased "
       "rows with noise and evasion augmentation (30 % of commands), plus a 1,050-row adversarial stress set",
       {kBenign, kT1003_002, kT1562, kT1134},
       {37500, 37500, 37500, 37500},
       {kT1003_002, kT1562, kT1134},
       /*lowercase=*/true,
       /*noise_per_mille=*/100,
       /*evasion_per_mille=*/300,
       {263, 263, 262, 262},
       /*world_per_mille=*/kWorldPerMille},
      // Not a template preset: data/generator/ctf.h generates it (counted rows, 60/20/20, all.csv).
      {kCtfPreset,
       "Linux attacker command lines of a CTF as auditd records them: ~300 unique strings over Normal and 50 "
       "techniques with execution counts (T1083 ~85 % of the observations), 60/20/20 and all.csv",
       ctf_labels(),
       {},
       {}},
  };
  return presets;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& p : preset_specs()) names.push_back(p.name);
  return names;
}

const PresetSpec& find_preset(const std::string& name) {
  for (const auto& p : preset_specs())
    if (p.name == name) return p;
  std::string valid;
  for (const auto& n : preset_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw InputError("unknown preset '" + name + "' (valid presets: " + valid + ")");
}

}  // namespace attune::data
