#include "data/generator/pool.h"

#include "data/generator/evasion.h"
#include "data/generator/rng.h"
#include "data/generator/templates.h"

namespace attune::data {

std::vector<std::string> generate_text_pool(std::size_t rows, std::uint64_t seed, TextPoolStats* stats) {
  const auto& templates = gen::template_registry().all();
  TextPoolStats local;
  TextPoolStats& s = stats ? *stats : local;
  s.templates = templates.size();
  gen::Rng rng(gen::stream_seed(seed, "pretraining-pool"));
  std::vector<std::string> lines;
  lines.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const gen::Template& t = templates[rng.below(templates.size())];
    std::string text = t.pattern.expand(rng);
    const auto treatment = rng.below(10);  // 0-3 lower-cased, 4-7 case games, 8 noise, 9 evasion
    if (t.kind == gen::Kind::kCommand && treatment == 9) {
      text = gen::apply_evasion(text, rng);
      ++s.evasions;
    } else if (treatment == 8) {
      text = gen::add_noise(text, rng);
      ++s.noisy;
    } else if (treatment >= 4 && t.kind == gen::Kind::kCommand) {
      text = gen::case_games(text, rng);
      ++s.case_games;
    }
    if (treatment < 4 || (treatment == 8 && rng.below(2) == 0)) {
      text = gen::to_lower(std::move(text));
      ++s.lowercased;
    }
    lines.push_back(std::move(text));
  }
  return lines;
}

}  // namespace attune::data
