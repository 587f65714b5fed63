// CSV reading and writing (RFC 4180): quoted fields with embedded quotes, commas and newlines, CRLF or LF
// line ends, an optional UTF-8 byte-order mark. Files are UTF-8; invalid UTF-8 is an input error.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace attune::data {

// A raw table: the header and the rows, each row with the 1-based line its record starts on.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // lines[i]: line where rows[i] starts
};

// Parses CSV text. `origin` names the source in errors ("file.csv:12: ..."). Throws InputError on an
// unterminated quote, a ragged row (field count differs from the header), invalid UTF-8, or no header.
// Blank lines between records are skipped (as pandas does). Strict where RFC 4180 is: a quote inside an
// unquoted field, text after a closing quote, or a bare CR outside quotes is an error; a duplicate
// header name is an error.
CsvTable parse_csv(const std::string& text, const std::string& origin);
CsvTable read_csv(const std::filesystem::path& file);

// One labeled example as the trainer sees it.
struct Example {
  std::string text;
  std::string label;
  double weight = 1.0;   // from the optional `count` column (integer >= 1), else 1
  std::size_t line = 0;  // line in the source file
};

struct ExampleColumns {
  std::string text = "text";
  std::string label = "label";
  std::string count = "count";  // used when present in the header
};

// Reads labeled examples. Throws InputError naming file and line for a missing column, an empty text,
// a bad count, or a label outside `allowed_labels` (when given).
std::vector<Example> read_examples(const std::filesystem::path& file, const ExampleColumns& columns = {},
                                   const std::optional<std::set<std::string>>& allowed_labels = std::nullopt);

// Quotes a field when it holds a comma, quote, CR or LF, has leading/trailing space, or starts with U+FEFF
// (which would read as a byte-order mark at the start of a file).
std::string csv_escape(const std::string& field);

// Writes header + rows with LF line ends, atomically (base/file_io.h's write_file_atomic). Every row must
// have header.size() fields (std::invalid_argument otherwise).
void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

}  // namespace attune::data
