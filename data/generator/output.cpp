// Writing a generated corpus: the CSV splits, the stress set and the manifest, plus the summary table.
#include <algorithm>
#include <cstdio>
#include <set>

#include "base/file_io.h"
#include "data/csv.h"
#include "data/generator/generator.h"

namespace attune::data {

namespace {

void write_rows(const std::filesystem::path& file, const std::vector<GeneratedRow>& rows) {
  const bool counted =
      std::any_of(rows.begin(), rows.end(), [](const GeneratedRow& r) { return r.count != 1; });
  std::vector<std::vector<std::string>> table;
  table.reserve(rows.size());
  for (const auto& row : rows) {
    table.push_back({row.text, row.label});
    if (counted) table.back().push_back(std::to_string(row.count));
  }
  write_csv(file,
            counted ? std::vector<std::string>{"text", "label", "count"}
                    : std::vector<std::string>{"text", "label"},
            table);
}

}  // namespace

// The manifest goes first and comes back last: a dir whose writing was cut short (a kill, a full disk) has
// none, so a run generates it again instead of taking a mix of two generations for one (train's reuse
// test reads the manifest). Each file is itself written atomically, and a file of an earlier generation
// that this one does not write (stress.csv of another preset) is removed.
void write_generated_data(const GeneratedData& data, const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + out_dir.string() + ": " + ec.message());
  std::filesystem::remove(out_dir / "manifest.json", ec);
  if (ec)
    throw std::runtime_error("cannot replace " + (out_dir / "manifest.json").string() + ": " + ec.message());
  write_rows(out_dir / "train.csv", data.train);
  write_rows(out_dir / "validation.csv", data.validation);
  write_rows(out_dir / "test.csv", data.test);
  for (const auto& [name, rows] :
       {std::pair{"stress.csv", &data.stress}, std::pair{"real_benign.csv", &data.real_benign},
        std::pair{"real_attacks.csv", &data.real_attacks}, std::pair{"all.csv", &data.all}}) {
    if (!rows->empty())
      write_rows(out_dir / name, *rows);
    else
      std::filesystem::remove(out_dir / name, ec);
  }
  sync_path(out_dir);
  write_file_atomic(out_dir / "manifest.json", data.manifest.dump(2) + "\n");
}

std::string summary_table(const GeneratedData& data) {
  std::vector<std::pair<std::string, const std::vector<GeneratedRow>*>> splits = {
      {"train", &data.train}, {"validation", &data.validation}, {"test", &data.test}};
  if (!data.stress.empty()) splits.push_back({"stress", &data.stress});
  if (!data.real_benign.empty()) splits.push_back({"real_benign", &data.real_benign});
  if (!data.real_attacks.empty()) splits.push_back({"real_attacks", &data.real_attacks});
  auto cell = [](const std::string& s, std::size_t width) {
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  };
  if (data.labels.size() > 8) {  // too many columns: rows, observations and labels present per split
    std::string out =
        cell("split", 12) + cell("rows", 9) + cell("observations", 14) + cell("labels", 8) + "\n";
    for (const auto& [name, rows] : splits) {
      std::uint64_t observations = 0;
      std::set<std::string> labels;
      for (const auto& row : *rows) observations += row.count, labels.insert(row.label);
      out += cell(name, 12) + cell(std::to_string(rows->size()), 9) + cell(std::to_string(observations), 14) +
             cell(std::to_string(labels.size()), 8) + "\n";
    }
    return out;
  }
  std::string out = cell("split", 12);
  for (const auto& label : data.labels) out += cell(label, 11);
  out += cell("total", 9) + "\n";
  for (const auto& [name, rows] : splits) {
    out += cell(name, 12);
    for (const auto& label : data.labels) {
      std::size_t n = 0;
      for (const auto& row : *rows) n += row.label == label;
      out += cell(std::to_string(n), 11);
    }
    out += cell(std::to_string(rows->size()), 9) + "\n";
  }
  // Where the Benign rows of each split come from.
  bool any_world = false;
  std::string sources = "Benign rows from real command lines (benign world) / from templates:";
  for (const auto& [name, rows] : splits) {
    const auto s = benign_sources(*rows);
    any_world = any_world || s.from_world > 0;
    sources +=
        " " + name + " " + std::to_string(s.from_world) + "/" + std::to_string(s.benign - s.from_world);
  }
  if (any_world) out += sources + "\n";
  return out;
}

}  // namespace attune::data
