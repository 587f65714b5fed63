#include "trainer/dataset.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file_digest.h"
#include "base/file_io.h"
#include "base/progress.h"
#include "data/generator/benign_world.h"
#include "data/generator/generator.h"
#include "data/split_file.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {

data::ExampleColumns columns_of(const Config& config) {
  data::ExampleColumns c;
  c.text = config.data.text_column;
  c.label = config.data.label_column;
  c.count = config.data.count_column;
  return c;
}

}  // namespace

bool ensure_generated(const Config& config) {
  if (!config.data.generate) return false;
  const auto& g = *config.data.generate;
  const fs::path dir = g.out_dir;
  const fs::path manifest_file = dir / "manifest.json";
  if (fs::exists(manifest_file) && fs::exists(dir / "train.csv") && fs::exists(dir / "validation.csv") &&
      fs::exists(dir / "test.csv")) {
    try {
      std::ifstream in(manifest_file);
      const auto m = nlohmann::json::parse(in);
      const auto h = m.find("holdout_fraction");  // null without a holdout
      const double holdout = h != m.end() && h->is_number() ? h->get<double>() : 0.0;
      // The same preset, seed and holdout from this generator and (for presets that mix it in) this
      // benign-world corpus.
      const bool same_world =
          !m.contains("benign_world") || m["benign_world"].value("commands_sha256", "") ==
                                             sha256_file(data::default_benign_world_dir() / "commands.tsv");
      if (m.value("preset", "") == g.preset && m.value("seed", int64_t{-1}) == g.seed &&
          std::abs(holdout - g.holdout_templates) < 1e-12 &&
          m.value("generator_version", 0) == data::kGeneratorVersion && same_world)
        return false;
    } catch (const std::exception&) {
      // An unreadable manifest: generate again.
    }
  }
  std::cerr << "generating the '" << g.preset << "' data set (seed " << g.seed << ") into " << dir.string()
            << "\n";
  data::GenDataOptions options;
  options.preset = g.preset;
  options.seed = static_cast<uint64_t>(g.seed);
  if (g.holdout_templates > 0) options.holdout_templates = g.holdout_templates;
  const auto generated = data::generate_data(options);
  data::write_generated_data(generated, dir);
  std::cerr << data::summary_table(generated);
  return true;
}

void write_split(const Config& config) {
  const auto& s = *config.data.split;
  const auto columns = columns_of(config);
  auto rows = data::read_examples(s.file, columns);
  if (rows.empty()) throw InputError(s.file + ": no rows (expected a header and data rows)");
  const std::size_t read = rows.size();
  const std::size_t merged = data::merge_identical_rows(rows);
  std::map<std::string, double> grouped;
  if (const auto& g = config.data.group_rare) grouped = data::group_rare_labels(rows, g->min_count, g->label);
  const auto splits =
      data::stratified_example_split(rows, {s.train, s.validation, s.test}, static_cast<uint64_t>(s.seed));
  const bool with_count =
      std::any_of(rows.begin(), rows.end(), [](const auto& e) { return e.weight != 1.0; });
  const fs::path dir = s.out_dir;
  fs::create_directories(dir);
  nlohmann::json manifest = {
      {"source", s.file},
      {"source_sha256", sha256_file(s.file)},
      {"fractions", {{"train", s.train}, {"validation", s.validation}, {"test", s.test}}},
      {"seed", s.seed},
      {"rows_read", read},
      {"identical_rows_merged", merged}};
  if (const auto& g = config.data.group_rare) {
    nlohmann::json renamed = nlohmann::json::object();
    for (const auto& [label, n] : grouped) renamed[label] = n;
    manifest["group_rare"] = {{"label", g->label}, {"min_count", g->min_count}, {"grouped", renamed}};
  }
  for (const auto& [name, split] :
       {std::pair{"train", &splits.train}, std::pair{"validation", &splits.validation},
        std::pair{"test", &splits.test}}) {
    if (split->empty())
      throw InputError(s.file + ": data.split leaves no " + std::string(name) + " rows (" +
                       std::to_string(rows.size()) + " distinct rows)");
    data::write_examples(dir / (std::string(name) + ".csv"), *split, columns, with_count);
    std::map<std::string, std::pair<std::size_t, double>> per_label;  // rows, observations
    for (const auto& e : *split) {
      auto& [n, observations] = per_label[e.label];
      ++n;
      observations += e.weight;
    }
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [label, counts] : per_label)
      labels[label] = {{"rows", counts.first}, {"observations", counts.second}};
    manifest["splits"][name] = {{"rows", split->size()}, {"labels", labels}};
  }
  write_file_atomic(dir / "manifest.json", manifest.dump(2) + "\n");
  std::cerr << "data.split: " << s.file << ": " << read << " rows (" << merged << " identical merged), "
            << grouped.size() << " rare labels grouped"
            << (config.data.group_rare ? " as " + config.data.group_rare->label : std::string()) << " -> "
            << splits.train.size() << " train, " << splits.validation.size() << " validation, "
            << splits.test.size() << " test rows in " << dir.string() << "\n";
}

void prepare_data(const Config& config) {
  ensure_generated(config);
  if (config.data.split) write_split(config);
}

std::vector<std::string> training_texts(const Config& config) {
  std::optional<std::set<std::string>> allowed;
  if (config.data.labels)
    allowed = std::set<std::string>(config.data.labels->begin(), config.data.labels->end());
  std::vector<std::string> texts;
  for (auto& e : data::read_examples(config.data.train_file, columns_of(config), allowed))
    texts.push_back(std::move(e.text));
  if (texts.empty()) throw InputError(config.data.train_file + ": no training rows");
  return texts;
}

Dataset load_dataset(const Config& config, const data::Tokenizer& tokenizer,
                     const std::optional<data::LabelMap>& fixed_labels, bool prepare) {
  if (prepare) prepare_data(config);
  const auto columns = columns_of(config);
  const auto start = std::chrono::steady_clock::now();
  Dataset d;
  std::optional<std::set<std::string>> allowed;
  if (fixed_labels)
    allowed = fixed_labels->label_set();
  else if (config.data.labels)
    allowed = std::set<std::string>(config.data.labels->begin(), config.data.labels->end());

  d.train.name = "train";
  d.train.file = config.data.train_file;
  d.train.examples = data::read_examples(d.train.file, columns, allowed);
  if (d.train.examples.empty()) throw InputError(d.train.file.string() + ": no training rows");
  d.labels = fixed_labels ? *fixed_labels
                          : data::LabelMap::from_config_or_examples(config.data.labels, d.train.examples);
  if (d.labels.size() < 2)
    throw InputError(d.train.file.string() + ": needs at least 2 distinct labels, found " +
                     std::to_string(d.labels.size()));
  data::tokenize_split(d.train, d.labels, tokenizer, config.model.max_length);
  d.validation = data::load_split("validation", config.data.validation_file, columns, d.labels, tokenizer,
                                  config.model.max_length);
  d.test =
      data::load_split("test", config.data.test_file, columns, d.labels, tokenizer, config.model.max_length);
  if (!config.data.stress_file.empty())
    d.stress = data::load_split("stress", config.data.stress_file, columns, d.labels, tokenizer,
                                config.model.max_length);
  for (const auto& [name, file, split] :
       {std::tuple{"real_benign", &config.data.real_benign_file, &d.real_benign},
        std::tuple{"real_attacks", &config.data.real_attacks_file, &d.real_attacks}})
    if (!file->empty() && fs::exists(*file))
      *split = data::load_split(name, *file, columns, d.labels, tokenizer, config.model.max_length);
  d.tokenize_seconds = seconds_since(start);
  return d;
}

std::vector<double> class_weights(const Config& config, const Split& train, size_t num_labels) {
  const auto& kind = config.training.class_weights;
  if (kind == "none") return {};
  if (kind == "list") {
    if (config.training.class_weight_values.size() != num_labels)
      throw InputError(config.where("training.class_weights") + ": training.class_weights: expected " +
                       std::to_string(num_labels) + " values (one per label), got " +
                       std::to_string(config.training.class_weight_values.size()));
    return config.training.class_weight_values;
  }
  // balanced: n_samples / (n_classes * count_c), as scikit-learn's compute_class_weight.
  std::vector<double> counts(num_labels, 0.0);
  for (auto id : train.rows.labels) counts[static_cast<size_t>(id)] += 1;
  std::vector<double> w(num_labels, 0.0);
  const double n = static_cast<double>(train.rows.labels.size());
  for (size_t c = 0; c < num_labels; ++c)
    w[c] = counts[c] > 0 ? n / (static_cast<double>(num_labels) * counts[c]) : 0.0;
  return w;
}

}  // namespace attune::trainer
