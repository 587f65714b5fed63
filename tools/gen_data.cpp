// gen-data: writes a model card's data set (train/validation/test.csv, manifest.json, for the 4class preset
// stress.csv, and the real-data proxy real_benign.csv / real_attacks.csv) into --out, deterministically
// for a given --seed and benign-world corpus.
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "base/errors.h"
#include "data/generator/generator.h"
#include "data/generator/presets.h"
#include "tools/cli/cli_main.h"

namespace attune::cli {

int run(int argc, char** argv) {
  std::string presets;
  for (const auto& name : data::preset_names()) presets += (presets.empty() ? "" : ", ") + name;
  CLI::App app{"Generate the 80/10/10 splits of a model card's synthetic ATT&CK data set (presets: " +
                   presets + "; ctf: counted unique rows, 60/20/20, plus all.csv for train's data.split).",
               "gen-data"};
  data::GenDataOptions options;
  std::string out;
  double holdout = 0.0;
  app.add_option("--preset", options.preset, "data set to generate: " + presets)->required();
  app.add_option("--out", out, "output directory (created when missing)")->required();
  app.add_option("--seed", options.seed, "random seed; the same seed gives byte-identical files")
      ->capture_default_str();
  auto* holdout_option = app.add_option(
      "--holdout-templates", holdout,
      "hold out this fraction (0 < f < 1) of each label's templates: test rows come only from them");
  std::string world, attacks;
  auto* world_option = app.add_option(
      "--benign-world", world,
      "folder of the benign-world corpus (packages.txt, commands.tsv) whose train packages' real command "
      "lines become Benign rows (default: $ATTUNE_BENIGN_WORLD, else data/benign_world of the checkout)");
  auto* attacks_option = app.add_option(
      "--real-attacks", attacks,
      "CSV (text,label) of hand-written real attack command lines for real_attacks.csv (default: "
      "$ATTUNE_REAL_ATTACKS, else data/real_attacks/commands.csv)");
  parse(app, argc, argv);
  if (holdout_option->count() > 0) options.holdout_templates = holdout;
  if (world_option->count() > 0) options.benign_world_dir = world;
  if (attacks_option->count() > 0) options.real_attacks_file = attacks;

  data::find_preset(options.preset);  // unknown preset: one line listing the valid ones, exit 2
  // Where the files go is checked before the work: a path that cannot be a directory is bad input.
  {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec || !std::filesystem::is_directory(out))
      throw InputError("--out " + out + ": cannot create the output directory (" +
                       (ec ? ec.message() : std::string("a file is in the way")) +
                       "; expected a directory path)");
  }
  const data::GeneratedData generated = data::generate_data(options);
  data::write_generated_data(generated, out);
  std::cout << "gen-data: preset " << generated.preset << ", seed " << options.seed << " -> " << out << "\n"
            << data::summary_table(generated);
  return 0;
}

}  // namespace attune::cli
