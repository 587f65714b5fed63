// Drawing a preset's rows: per label, templates are picked uniformly and expanded; each text goes through
// the preset's treatment (case games or lower-casing, noise), benign sanitization, and global exact-text
// deduplication, until the label has its number of unique rows. Then the split and the manifest.
#include "data/generator/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "base/errors.h"
#include "data/csv.h"
#include "data/generator/benign_world.h"
#include "data/generator/ctf.h"
#include "data/generator/evasion.h"
#include "data/generator/presets.h"
#include "data/generator/sanitize.h"
#include "data/generator/split.h"
#include "data/generator/templates.h"

namespace attune::data {

namespace {

constexpr std::size_t kAttemptsPerRow =
    40;  // give up (a bug: too few templates) after this many tries per row

struct Stats {
  std::size_t duplicates = 0;       // exact duplicates dropped (same label)
  std::size_t cross_label = 0;      // texts already generated under another label, dropped
  std::size_t sanitized = 0;        // benign texts dropped for holding an attack keyword
  std::size_t noisy = 0;            // rows that got noise
  std::size_t evaded = 0;           // rows that got an evasion
  std::size_t world_sanitized = 0;  // benign-world lines dropped by the sanitization rule
};

constexpr const char* kWorldPrefix = "world:";

std::vector<const gen::Template*> templates_for(const PresetSpec& preset, const std::string& label,
                                                bool commands_only = false) {
  std::vector<const gen::Template*> out;
  for (const auto& t : gen::template_registry().all()) {
    if (t.label != label) continue;
    if (commands_only && t.kind != gen::Kind::kCommand) continue;
    if (!t.hard_negative_for.empty() &&
        std::find(preset.hard_negatives_for.begin(), preset.hard_negatives_for.end(), t.hard_negative_for) ==
            preset.hard_negatives_for.end())
      continue;
    out.push_back(&t);
  }
  return out;
}

std::vector<std::string> attack_labels(const PresetSpec& preset) {
  return std::vector<std::string>(preset.labels.begin() + 1, preset.labels.end());
}

// Adds `text` to `seen` under `label` unless it is a duplicate; counts what it drops.
bool admit(const std::string& text, const std::string& label,
           std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  auto [it, inserted] = seen.emplace(text, label);
  if (inserted) return true;
  ++(it->second == label ? stats.duplicates : stats.cross_label);
  return false;
}

// A benign-world line as the preset's rows are: lower-cased (with the preset's noise) when the preset
// lower-cases, its own case otherwise (real text plays no case games). "" when the sanitization rule
// drops it.
std::string world_text(const PresetSpec& preset, const WorldLine& line,
                       const std::vector<std::string>& attacks, gen::Rng* noise, Stats& stats) {
  if (!world_sanitizer_hit(line.text, attacks).empty()) {
    ++stats.world_sanitized;
    return "";
  }
  std::string text = line.text;
  if (preset.lowercase) {
    if (noise && preset.noise_per_mille && noise->chance(preset.noise_per_mille)) {
      text = gen::add_noise(text, *noise);
      ++stats.noisy;
    }
    text = gen::to_lower(std::move(text));
  }
  return text;
}

// Up to `want` Benign rows from the world's train lines, in a seeded order.
std::vector<GeneratedRow> draw_world_rows(const PresetSpec& preset, const BenignWorld& world,
                                          std::size_t want, std::uint64_t seed,
                                          std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  std::vector<GeneratedRow> rows;
  std::vector<std::size_t> order(world.train.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  gen::Rng rng(gen::stream_seed(seed, "world/" + preset.name));
  rng.shuffle(order);
  const auto attacks = attack_labels(preset);
  for (std::size_t i : order) {
    if (rows.size() == want) break;
    const WorldLine& line = world.train[i];
    std::string text = world_text(preset, line, attacks, &rng, stats);
    if (text.empty() || !admit(text, gen::kBenign, seen, stats)) continue;
    rows.push_back({std::move(text), gen::kBenign, kWorldPrefix + line.package});
  }
  return rows;
}

std::vector<GeneratedRow> draw_rows(const PresetSpec& preset, std::uint64_t seed, const BenignWorld* world,
                                    std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  std::vector<GeneratedRow> rows;
  const auto attacks = attack_labels(preset);
  for (std::size_t li = 0; li < preset.labels.size(); ++li) {
    const std::string& label = preset.labels[li];
    const auto templates = templates_for(preset, label);
    gen::Rng rng(gen::stream_seed(seed, "rows/" + label));
    const std::size_t target = preset.rows[li];
    std::size_t made = 0, attempts = 0;
    if (label == gen::kBenign && world && preset.world_per_mille) {
      const auto want = static_cast<std::size_t>(
          std::llround(static_cast<double>(target) * preset.world_per_mille / 1000.0));
      for (auto& row : draw_world_rows(preset, *world, want, seed, seen, stats)) {
        rows.push_back(std::move(row));
        ++made;
      }
    }
    while (made < target) {
      if (++attempts > target * kAttemptsPerRow)
        throw std::logic_error("gen-data: the templates of " + label + " yield fewer than " +
                               std::to_string(target) + " unique rows");
      const gen::Template& t = *templates[rng.below(templates.size())];
      std::string text = t.pattern.expand(rng);
      bool evaded = false;
      if (preset.evasion_per_mille && t.kind == gen::Kind::kCommand && rng.chance(preset.evasion_per_mille)) {
        std::string next = gen::apply_evasion(text, rng);
        evaded = next != text;
        text = std::move(next);
      }
      bool noisy = false;
      if (preset.lowercase) {
        if (preset.noise_per_mille && rng.chance(preset.noise_per_mille)) {
          // A truncated attack row keeps its evidence: cut before it, it would be a Benign text labelled
          // as an attack (and the model taught to call such text an attack).
          text = gen::add_noise(text, rng, label == gen::kBenign ? 0 : evidence_end(text, label));
          noisy = true;
        }
        text = gen::to_lower(std::move(text));
      } else if (t.kind == gen::Kind::kCommand) {
        text = gen::case_games(text, rng);
      }
      if (label == gen::kBenign && !find_malicious_keyword(text, attacks).empty()) {
        ++stats.sanitized;
        continue;
      }
      if (!admit(text, label, seen, stats)) continue;
      stats.noisy += noisy;
      stats.evaded += evaded;
      rows.push_back({std::move(text), label, t.id});
      ++made;
    }
  }
  return rows;
}

// The adversarial stress set: evasions of command templates (benign mostly hard negatives), with its own
// random stream, none of whose texts occurs in the main corpus.
std::vector<GeneratedRow> draw_stress(const PresetSpec& preset, std::uint64_t seed,
                                      std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  std::vector<GeneratedRow> rows;
  const auto attacks = attack_labels(preset);
  gen::Rng rng(gen::stream_seed(seed, "stress"));
  for (std::size_t li = 0; li < preset.stress_rows.size(); ++li) {
    const std::string& label = preset.labels[li];
    // Benign draws 70 % from its hard negatives; an attack label draws from all its command templates.
    std::vector<const gen::Template*> general, primary;
    for (const auto* t : templates_for(preset, label, /*commands_only=*/true))
      (t->hard_negative_for.empty() && label == gen::kBenign ? general : primary).push_back(t);
    const std::size_t target = preset.stress_rows[li];
    std::size_t made = 0, attempts = 0;
    while (made < target) {
      if (++attempts > target * kAttemptsPerRow * 10)
        throw std::logic_error("gen-data: cannot draw " + std::to_string(target) + " stress rows for " +
                               label);
      const auto& pool = general.empty() || rng.chance(700) ? primary : general;
      const gen::Template& t = *pool[rng.below(pool.size())];
      std::string plain = t.pattern.expand(rng);
      std::string text = gen::apply_evasion(plain, rng);
      if (text == plain) continue;
      if (preset.lowercase) text = gen::to_lower(std::move(text));
      if (label == gen::kBenign && !find_malicious_keyword(text, attacks).empty()) continue;
      if (!admit(text, label, seen, stats)) continue;
      rows.push_back({std::move(text), label, t.id});
      ++made;
    }
  }
  gen::Rng order(gen::stream_seed(seed, "stress/order"));
  order.shuffle(rows);
  return rows;
}

// Per label, the held-out template ids: a seeded shuffle of the label's templates, the first
// round(f * T) (at least one, at most T - 1).
std::map<std::string, std::vector<std::string>> choose_holdout(const PresetSpec& preset, std::uint64_t seed,
                                                               double fraction) {
  std::map<std::string, std::vector<std::string>> held;
  for (const auto& label : preset.labels) {
    std::vector<std::string> ids;
    for (const auto* t : templates_for(preset, label)) ids.push_back(t->id);
    gen::Rng rng(gen::stream_seed(seed, "holdout/" + label));
    rng.shuffle(ids);
    auto k = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(ids.size())));
    k = std::clamp<std::size_t>(k, 1, ids.size() - 1);
    ids.resize(k);
    std::sort(ids.begin(), ids.end());
    held[label] = ids;
  }
  return held;
}

nlohmann::json count_rows(const std::vector<GeneratedRow>& rows, const std::vector<std::string>& labels) {
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& label : labels) counts[label] = 0;
  for (const auto& row : rows) counts[row.label] = counts[row.label].get<std::size_t>() + 1;
  counts["total"] = rows.size();
  return counts;
}

std::set<std::string> template_ids(const std::vector<GeneratedRow>& rows, const std::string& label) {
  std::set<std::string> ids;
  for (const auto& row : rows)
    if (row.label == label) ids.insert(row.template_id);
  return ids;
}

// The heldout packages' lines, sanitized and treated as the preset's rows (no noise), none of them a text
// of any split.
std::vector<GeneratedRow> real_benign_rows(const PresetSpec& preset, const BenignWorld& world,
                                           std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  std::vector<GeneratedRow> rows;
  const auto attacks = attack_labels(preset);
  for (const auto& line : world.heldout) {
    std::string text = world_text(preset, line, attacks, /*noise=*/nullptr, stats);
    if (text.empty() || !admit(text, gen::kBenign, seen, stats)) continue;
    rows.push_back({std::move(text), gen::kBenign, kWorldPrefix + line.package});
  }
  return rows;
}

// The hand-written real attack command lines of the preset's attack labels (lower-cased when the preset
// is). `also_generated` counts those whose text some split holds too.
std::vector<GeneratedRow> real_attack_rows(const PresetSpec& preset, const std::filesystem::path& file,
                                           const std::unordered_map<std::string, std::string>& seen,
                                           std::size_t& also_generated) {
  std::vector<GeneratedRow> rows;
  const auto attacks = attack_labels(preset);
  for (const auto& e : read_examples(file)) {
    if (std::find(attacks.begin(), attacks.end(), e.label) == attacks.end()) continue;
    std::string text = preset.lowercase ? gen::to_lower(e.text) : e.text;
    also_generated += seen.count(text);
    rows.push_back({std::move(text), e.label, "real:" + std::to_string(e.line)});
  }
  return rows;
}

}  // namespace

bool from_world(const GeneratedRow& row) {
  return row.template_id.rfind(kWorldPrefix, 0) == 0;
}

BenignSources benign_sources(const std::vector<GeneratedRow>& rows) {
  BenignSources s;
  for (const auto& row : rows)
    if (row.label == gen::kBenign) {
      ++s.benign;
      s.from_world += from_world(row);
    }
  return s;
}

std::filesystem::path default_real_attacks_file() {
  if (const char* env = std::getenv("ATTUNE_REAL_ATTACKS"); env && *env) return env;
  return std::filesystem::path(ATTUNE_PROJECT_DIR) / "data" / "real_attacks" / "commands.csv";
}

GeneratedData generate_data(const GenDataOptions& options) {
  const PresetSpec& preset = find_preset(options.preset);
  if (preset.name == kCtfPreset) {
    if (options.holdout_templates)
      throw InputError(
          "--holdout-templates: the ctf preset is one row per unique command; it has no template "
          "holdout");
    return generate_ctf(options.seed);
  }
  if (options.holdout_templates && !(*options.holdout_templates > 0.0 && *options.holdout_templates < 1.0)) {
    std::ostringstream got;
    got << *options.holdout_templates;
    throw InputError("--holdout-templates: expected a fraction 0 < f < 1, got " + got.str());
  }

  std::optional<BenignWorld> world;
  if (preset.world_per_mille)
    world =
        load_benign_world(options.benign_world_dir ? *options.benign_world_dir : default_benign_world_dir());
  Stats stats;
  std::unordered_map<std::string, std::string> seen;
  std::vector<GeneratedRow> rows = draw_rows(preset, options.seed, world ? &*world : nullptr, seen, stats);
  const Stats main_stats = stats;

  GeneratedData data;
  data.preset = preset.name;
  data.labels = preset.labels;
  nlohmann::json& m = data.manifest;
  m["preset"] = preset.name;
  m["description"] = preset.description;
  m["seed"] = options.seed;
  m["generator_version"] = kGeneratorVersion;
  m["labels"] = preset.labels;
  m["columns"] = {"text", "label"};
  m["lowercase"] = preset.lowercase;
  m["noise_fraction"] = preset.noise_per_mille / 1000.0;
  m["evasion_fraction_of_commands"] = preset.evasion_per_mille / 1000.0;
  m["holdout_fraction"] =
      options.holdout_templates ? nlohmann::json(*options.holdout_templates) : nlohmann::json();

  std::map<std::string, std::vector<std::string>> held;
  if (options.holdout_templates) {
    held = choose_holdout(preset, options.seed, *options.holdout_templates);
    std::set<std::string> held_ids;
    for (const auto& [label, ids] : held) held_ids.insert(ids.begin(), ids.end());
    auto split = holdout_split(std::move(rows), preset.labels, held_ids, options.seed);
    data.train = std::move(split.train);
    data.validation = std::move(split.validation);
    data.test = std::move(split.test);
    m["split_rule"] =
        "template holdout: per label a seeded fraction of the templates is held out; test = every row of the "
        "held-out templates, the rest is split 8:1 into train and validation, so split sizes follow the "
        "template partition (the binary preset's exact test counts apply only without holdout)";
  } else {
    auto split = stratified_split(std::move(rows), preset.labels, options.seed);
    data.train = std::move(split.train);
    data.validation = std::move(split.validation);
    data.test = std::move(split.test);
    m["split_rule"] =
        "stratified per label after removing exact duplicates: test = validation = round(n/10) (half up), "
        "train = the rest";
  }
  if (!preset.stress_rows.empty()) data.stress = draw_stress(preset, options.seed, seen, stats);
  std::size_t real_attacks_also_generated = 0;
  if (world) {
    data.real_benign = real_benign_rows(preset, *world, seen, stats);
    const auto attacks_file =
        options.real_attacks_file ? *options.real_attacks_file : default_real_attacks_file();
    data.real_attacks = real_attack_rows(preset, attacks_file, seen, real_attacks_also_generated);
  }

  m["counts"] = {{"train", count_rows(data.train, preset.labels)},
                 {"validation", count_rows(data.validation, preset.labels)},
                 {"test", count_rows(data.test, preset.labels)}};
  if (!data.stress.empty()) m["counts"]["stress"] = count_rows(data.stress, preset.labels);
  m["duplicates_removed"] = main_stats.duplicates + main_stats.cross_label;
  m["cross_label_duplicates_removed"] = main_stats.cross_label;
  m["benign_rows_rejected_by_sanitizer"] = main_stats.sanitized;
  m["noisy_rows"] = main_stats.noisy;
  m["evasion_augmented_rows"] = main_stats.evaded;

  nlohmann::json templates = nlohmann::json::object();
  for (const auto& label : preset.labels) {
    nlohmann::json entry;
    std::vector<std::string> ids;
    std::set<std::string> families;
    for (const auto* t : templates_for(preset, label)) {
      ids.push_back(t->id);
      families.insert(t->family);
    }
    entry["count"] = ids.size();
    entry["families"] = families;
    entry["ids"] = ids;
    templates[label] = entry;
  }
  m["templates"] = templates;
  if (options.holdout_templates) {
    nlohmann::json h = nlohmann::json::object();
    for (const auto& label : preset.labels) {
      auto seen_ids = template_ids(data.train, label);
      for (const auto& id : template_ids(data.validation, label)) seen_ids.insert(id);
      h[label] = {{"test", held[label]},
                  {"train_validation", seen_ids},
                  {"test_used", template_ids(data.test, label)}};
    }
    m["holdout"] = h;
  }
  if (!data.stress.empty()) {
    m["stress"] = {
        {"file", "stress.csv"},
        {"random_stream", "stress (independent of the main corpus)"},
        {"disjoint_from_main_splits", true},
        {"evasion_families_also_in_training_augmentation", preset.evasion_per_mille > 0},
        {"evasions",
         {"caret insertion", "quote insertion", "system and alternate paths", "environment variables",
          "short/long flag forms", "PowerShell aliases", "switch style /x vs -x", "cmd wrappers"}}};
  }
  if (world) {
    nlohmann::json sources = nlohmann::json::object();
    for (const auto& [name, split] :
         {std::pair<const char*, const std::vector<GeneratedRow>*>{"train", &data.train},
          {"validation", &data.validation},
          {"test", &data.test}}) {
      const auto s = benign_sources(*split);
      sources[name] = {{"benign_rows", s.benign},
                       {"benign_from_world", s.from_world},
                       {"benign_from_templates", s.benign - s.from_world}};
    }
    std::set<std::string> heldout_packages;
    for (const auto& line : world->heldout) heldout_packages.insert(line.package);
    m["benign_world"] = {
        {"dir", world->dir.string()},
        {"commands_sha256", world->sha256},
        {"packages", {{"train", world->train_packages}, {"heldout", world->heldout_packages}}},
        {"lines", {{"train", world->train.size()}, {"heldout", world->heldout.size()}}},
        {"share_of_benign_rows_asked", preset.world_per_mille / 1000.0},
        {"sources", sources},
        {"lines_dropped_by_sanitizer",
         {{"train_packages", main_stats.world_sanitized},
          {"heldout_packages", stats.world_sanitized - main_stats.world_sanitized}}},
        {"sanitizer_rule",
         "a line is dropped when it holds a sanitizer keyword of the preset's attack labels or matches one "
         "of "
         "their world_family_patterns (data/generator/benign_world.cpp), case-insensitively"},
        {"world_family_patterns", nlohmann::json::array()}};
    for (const auto& [label, pattern] : world_family_patterns())
      if (std::find(preset.labels.begin(), preset.labels.end(), label) != preset.labels.end())
        m["benign_world"]["world_family_patterns"].push_back({{"label", label}, {"pattern", pattern}});
    m["real_data_proxy"] = {
        {"real_benign",
         {{"file", "real_benign.csv"},
          {"rows", data.real_benign.size()},
          {"from", "the heldout packages of the benign world, sanitized, none a text of any split"},
          {"heldout_packages", heldout_packages}}},
        {"real_attacks",
         {{"file", "real_attacks.csv"},
          {"rows", data.real_attacks.size()},
          {"counts", count_rows(data.real_attacks, preset.labels)},
          {"from", "hand-written real attack command lines (data/real_attacks/commands.csv)"},
          {"also_a_generated_text", real_attacks_also_generated}}}};
  }
  m["sanitizer_keywords"] = nlohmann::json::object();
  for (const auto& label : attack_labels(preset))
    m["sanitizer_keywords"][label] = malicious_keywords().at(label);
  return data;
}

}  // namespace attune::data
