// The benign world: real command lines people run every day, extracted from the documentation and scripts
// of a pinned list of Debian packages (data/benign_world/: packages.txt, commands.tsv, README.md; rebuilt
// by tools/dev/benign_world/build.sh). Whole packages are marked `train` or `heldout`: the presets mix the
// train packages' lines into their Benign rows, and the heldout packages' lines are the real-data benign
// proxy (real_benign.csv) that training never sees.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace attune::data {

struct WorldLine {
  std::string package, version, source, text;
};

struct BenignWorld {
  std::filesystem::path dir;
  std::string sha256;  // of commands.tsv
  std::size_t train_packages = 0, heldout_packages = 0;
  std::vector<WorldLine> train;    // lines of the train packages, in file order
  std::vector<WorldLine> heldout;  // lines of the heldout packages, in file order
};

// The folder gen-data reads by default: $ATTUNE_BENIGN_WORLD when set, else the checkout's
// data/benign_world.
std::filesystem::path default_benign_world_dir();

// Reads <dir>/packages.txt ("<package> <version> train|heldout" per line, # comments) and
// <dir>/commands.tsv (header "package\tversion\tsource\ttext"). InputError naming the file and line for a
// missing file, a malformed line, an unknown split, a package not in packages.txt or a version that
// differs from its pin.
BenignWorld load_benign_world(const std::filesystem::path& dir);

// The benign sanitization rule for real text: the reason `text` performs one of the malicious families
// of `attack_labels` — a keyword of find_malicious_keyword (sanitize.h) or one of the world's extra family
// patterns (world_family_patterns) — or "" when it is clean. Case-insensitive.
std::string world_sanitizer_hit(std::string_view text, const std::vector<std::string>& attack_labels);

// label -> the extra patterns (ECMAScript regexes, matched against lower-cased text) that real
// documentation shows for an attack family but generated benign text never needed: flushing a firewall,
// clearing shell history, stopping an audit or security daemon, and so on.
const std::vector<std::pair<std::string, std::string>>& world_family_patterns();

}  // namespace attune::data
