// libFuzzer target: the CSV reader (data/csv.h). Any input is either a table or an InputError; a table has
// unique header names and header.size() fields in every row, on increasing lines; write_csv's rendering of
// it reads back as the same table; read_examples on the same bytes keeps only non-blank texts, non-empty
// labels and counts >= 1.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "base/errors.h"
#include "data/csv.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void check_table(const attune::data::CsvTable& t) {
  const std::set<std::string> names(t.header.begin(), t.header.end());
  if (names.size() != t.header.size()) std::abort();  // duplicate header names accepted
  if (t.lines.size() != t.rows.size()) std::abort();
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (t.rows[r].size() != t.header.size()) std::abort();  // ragged row accepted
    if (t.lines[r] < 2 || (r > 0 && t.lines[r] <= t.lines[r - 1])) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  attune::data::CsvTable table;
  try {
    table = attune::data::parse_csv(text, "fuzz.csv");
  } catch (const attune::InputError&) {
    return 0;
  }
  check_table(table);

  // write_csv -> read_csv gives the table back.
  const auto written = attune::fuzz::scratch_dir() / "written.csv";
  attune::data::write_csv(written, table.header, table.rows);
  const auto back = attune::data::read_csv(written);
  if (back.header != table.header || back.rows != table.rows) {
    std::fprintf(stderr, "write_csv -> read_csv changed the table (%zu -> %zu rows)\n", table.rows.size(),
                 back.rows.size());
    std::abort();
  }

  // The labeled-example view of the same file.
  const auto input = attune::fuzz::write_scratch("input.csv", text);
  try {
    for (const auto& e : attune::data::read_examples(input)) {
      if (e.text.find_first_not_of(" \t\r\n") == std::string::npos || e.label.empty() || !(e.weight >= 1))
        std::abort();
    }
  } catch (const attune::InputError&) {
  }
  return 0;
}
