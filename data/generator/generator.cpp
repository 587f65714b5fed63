// Drawing a preset's rows: per label, templates are picked uniformly and expanded; each text goes through
// the preset's treatment (case games or lower-casing, noise), benign sanitization, and global exact-text
// deduplication, until the label has its number of unique rows. Then the split and the manifest.
#include "data/generator/generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "base/errors.h"
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
  std::size_t duplicates = 0;   // exact duplicates dropped (same label)
  std::size_t cross_label = 0;  // texts already generated under another label, dropped
  std::size_t sanitized = 0;    // benign texts dropped for holding an attack keyword
  std::size_t noisy = 0;        // rows that got noise
  std::size_t evaded = 0;       // rows that got an evasion
};

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

std::vector<GeneratedRow> draw_rows(const PresetSpec& preset, std::uint64_t seed,
                                    std::unordered_map<std::string, std::string>& seen, Stats& stats) {
  std::vector<GeneratedRow> rows;
  const auto attacks = attack_labels(preset);
  for (std::size_t li = 0; li < preset.labels.size(); ++li) {
    const std::string& label = preset.labels[li];
    const auto templates = templates_for(preset, label);
    gen::Rng rng(gen::stream_seed(seed, "rows/" + label));
    const std::size_t target = preset.rows[li];
    std::size_t made = 0, attempts = 0;
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
          text = gen::add_noise(text, rng);
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

}  // namespace

GeneratedData generate_data(const GenDataOptions& options) {
  const PresetSpec& preset = find_preset(options.preset);
  if (options.holdout_templates && !(*options.holdout_templates > 0.0 && *options.holdout_templates < 1.0)) {
    std::ostringstream got;
    got << *options.holdout_templates;
    throw InputError("--holdout-templates: expected a fraction 0 < f < 1, got " + got.str());
  }

  Stats stats;
  std::unordered_map<std::string, std::string> seen;
  std::vector<GeneratedRow> rows = draw_rows(preset, options.seed, seen, stats);
  const Stats main_stats = stats;

  GeneratedData data;
  data.preset = preset.name;
  data.labels = preset.labels;
  nlohmann::json& m = data.manifest;
  m["preset"] = preset.name;
  m["description"] = preset.description;
  m["seed"] = options.seed;
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
  m["sanitizer_keywords"] = nlohmann::json::object();
  for (const auto& label : attack_labels(preset))
    m["sanitizer_keywords"][label] = malicious_keywords().at(label);
  return data;
}

}  // namespace attune::data
