#include "data/csv.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"

namespace attune::data {
namespace {

// The UTF-8 byte-order mark some editors put at the start of a file.
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// How many allowed labels an error message lists before eliding the rest.
constexpr std::size_t kMaxListedLabels = 20;

std::size_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

std::string describe_set(const std::set<std::string>& labels) {
  std::vector<std::string> shown;
  for (const auto& l : labels) {
    if (shown.size() == kMaxListedLabels) {
      shown.push_back("... " + std::to_string(labels.size() - kMaxListedLabels) + " more");
      break;
    }
    shown.push_back("'" + l + "'");
  }
  return "{" + join(shown, ", ") + "}";
}

void check_utf8(std::string_view text, const std::string& origin) {
  const std::size_t bad = invalid_utf8_offset(text);
  if (bad == std::string_view::npos) return;
  const std::size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  const std::size_t column = line_start == std::string_view::npos || bad == 0 ? bad + 1 : bad - line_start;
  const auto byte = static_cast<unsigned char>(text[bad]);
  const std::string what = byte == 0 ? "a NUL byte" : "invalid UTF-8 (byte " + hex_byte(byte) + ")";
  throw InputError(at_line(origin, line_of(text, bad),
                           what + " at column " + std::to_string(column) + ", expected UTF-8 text"));
}

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& origin) {
  std::string_view s(text);
  if (s.substr(0, kBom.size()) == kBom) s.remove_prefix(kBom.size());
  check_utf8(s, origin);

  CsvTable table;
  bool have_header = false;
  std::vector<std::string> record;
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::size_t line = 1;
  while (i < n) {
    // Blank lines between records carry nothing.
    if (s[i] == '\n') {
      ++i, ++line;
      continue;
    }
    if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
      i += 2, ++line;
      continue;
    }
    const std::size_t record_line = line;
    record.clear();
    for (;;) {
      std::string field;
      if (i < n && s[i] == '"') {
        const std::size_t open_line = line;
        ++i;
        for (;;) {
          const std::size_t q = s.find('"', i);
          if (q == std::string_view::npos)
            throw InputError(
                at_line(origin, open_line,
                        "unterminated quoted field (the quote opened on line " + std::to_string(open_line) +
                            " is never closed), expected a closing '\"' before the end of the file"));
          line += static_cast<std::size_t>(std::count(s.begin() + i, s.begin() + q, '\n'));
          field.append(s.substr(i, q - i));
          i = q + 1;
          if (i < n && s[i] == '"') {  // "" inside quotes is one quote
            field.push_back('"');
            ++i;
            continue;
          }
          break;
        }
        if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
          throw InputError(at_line(origin, line,
                                   "unexpected character '" + std::string(1, s[i]) +
                                       "' after a closing quote, expected ',' or the end of the line"));
      } else {
        const std::size_t start = i;
        while (i < n) {
          const char c = s[i];
          if (c == ',' || c == '\n' || c == '\r') break;
          if (c == '"')
            throw InputError(at_line(origin, line,
                                     "a quote inside an unquoted field, expected the whole field in quotes "
                                     "with inner quotes doubled (\"a \"\"b\"\" c\")"));
          ++i;
        }
        field.assign(s.substr(start, i - start));
      }
      record.push_back(std::move(field));
      if (i >= n) break;
      if (s[i] == ',') {
        ++i;
        continue;
      }
      if (s[i] == '\r') {
        if (i + 1 >= n || s[i + 1] != '\n')
          throw InputError(at_line(origin, line, "a bare carriage return, expected CRLF or LF line ends"));
        ++i;
      }
      ++i, ++line;  // the '\n'
      break;
    }
    if (!have_header) {
      std::unordered_map<std::string, std::size_t> seen;
      for (std::size_t k = 0; k < record.size(); ++k) {
        if (!seen.emplace(record[k], k).second)
          throw InputError(
              at_line(origin, record_line,
                      "duplicate column '" + record[k] + "' in the header, expected unique names"));
      }
      table.header = std::move(record);
      record = {};
      have_header = true;
    } else {
      if (record.size() != table.header.size())
        throw InputError(at_line(origin, record_line,
                                 "expected " + std::to_string(table.header.size()) + " fields (" +
                                     join(table.header, ",") + "), got " + std::to_string(record.size())));
      table.rows.push_back(std::move(record));
      table.lines.push_back(record_line);
      record = {};
      record.reserve(table.header.size());
    }
  }
  if (!have_header) throw InputError(origin + ": empty file, expected a header line");
  return table;
}

CsvTable read_csv(const std::filesystem::path& file) {
  return parse_csv(read_text_file(file), file.string());
}

std::vector<Example> read_examples(const std::filesystem::path& file, const ExampleColumns& columns,
                                   const std::optional<std::set<std::string>>& allowed_labels) {
  const std::string origin = file.string();
  CsvTable table = read_csv(file);
  auto find = [&](const std::string& name) -> std::ptrdiff_t {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    return it == table.header.end() ? -1 : it - table.header.begin();
  };
  const std::ptrdiff_t text_col = find(columns.text);
  const std::ptrdiff_t label_col = find(columns.label);
  const std::ptrdiff_t count_col = columns.count.empty() ? -1 : find(columns.count);
  for (const auto& [col, name] : {std::pair{text_col, columns.text}, std::pair{label_col, columns.label}}) {
    if (col < 0)
      throw InputError(at_line(origin, 1,
                               "missing column '" + name + "', expected a header with columns '" +
                                   columns.text + "' and '" + columns.label +
                                   "' (header: " + join(table.header, ",") + ")"));
  }

  std::vector<Example> examples;
  examples.reserve(table.rows.size());
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    auto& row = table.rows[r];
    const std::size_t line = table.lines[r];
    Example ex;
    ex.line = line;
    ex.text = std::move(row[static_cast<std::size_t>(text_col)]);
    ex.label = std::move(row[static_cast<std::size_t>(label_col)]);
    if (is_blank(ex.text))
      throw InputError(
          at_line(origin, line, "empty text in column '" + columns.text + "', expected some text"));
    if (ex.label.empty())
      throw InputError(
          at_line(origin, line, "empty label in column '" + columns.label + "', expected a label"));
    if (allowed_labels && !allowed_labels->count(ex.label))
      throw InputError(at_line(origin, line,
                               "label '" + ex.label + "' is not in the allowed set, expected one of " +
                                   describe_set(*allowed_labels)));
    if (count_col >= 0) {
      const std::string& c = row[static_cast<std::size_t>(count_col)];
      long long count = 0;
      const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), count);
      if (c.empty() || ec != std::errc() || end != c.data() + c.size() || count < 1)
        throw InputError(
            at_line(origin, line,
                    "bad count '" + c + "' in column '" + columns.count + "', expected an integer >= 1"));
      ex.weight = static_cast<double>(count);
    }
    examples.push_back(std::move(ex));
  }
  return examples;
}

std::string csv_escape(const std::string& field) {
  // A field that starts with U+FEFF is quoted too: unquoted at the start of a file, the reader would take
  // it for a byte-order mark and drop it.
  const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string::npos || starts_with(field, kBom) ||
                            (!field.empty() && (field.front() == ' ' || field.back() == ' ' ||
                                                field.front() == '\t' || field.back() == '\t'));
  if (!needs_quotes) return field;
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void write_csv(const std::filesystem::path& file, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  auto append_row = [&out](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out.push_back(',');
      out += csv_escape(row[i]);
    }
    out.push_back('\n');
  };
  // A header of one empty name would read back as a blank line: quote it.
  if (header.size() == 1 && header[0].empty()) {
    out += "\"\"\n";
  } else {
    append_row(header);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != header.size())
      throw std::invalid_argument("write_csv(" + file.string() + "): row " + std::to_string(r) + " has " +
                                  std::to_string(rows[r].size()) + " fields, expected " +
                                  std::to_string(header.size()));
    if (rows[r].size() == 1 && rows[r][0].empty()) {
      out += "\"\"\n";  // an unquoted empty single field would be a skipped blank line
      continue;
    }
    append_row(rows[r]);
  }
  write_file_atomic(file, out);
}

}  // namespace attune::data
