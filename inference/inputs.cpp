#include "inference/inputs.h"

#include <algorithm>
#include <cctype>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"
#include "data/csv.h"
#include "inference/auditd.h"

namespace attune::inference {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// Collects texts and bad lines, or throws at the first bad line under OnError::kFail.
class Collector {
 public:
  Collector(const std::string& origin, OnError on_error) : origin_(origin), on_error_(on_error) {}

  void bad(std::size_t line, const std::string& message) {
    if (on_error_ == OnError::kFail) throw InputError(at_line(origin_, line, message));
    out_.skipped.push_back({line, message});
  }
  // Checks the text (not empty, valid UTF-8 without NUL) before keeping it.
  void text(std::size_t line, std::string text, const std::string& what) {
    const auto bad_at = invalid_utf8_offset(text);
    if (bad_at != std::string_view::npos)
      return bad(line, what + " holds invalid UTF-8 or a NUL byte at byte " + std::to_string(bad_at + 1));
    if (is_blank(text)) return bad(line, "empty " + what);
    out_.texts.push_back({line, std::move(text)});
  }
  InputTexts take() { return std::move(out_); }

 private:
  std::string origin_;
  OnError on_error_;
  InputTexts out_;
};

void parse_plain(const std::string& content, Collector& out) {
  const auto lines = text_lines(content);
  for (std::size_t i = 0; i < lines.size(); ++i) out.text(i + 1, lines[i], "line");
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string short_json_error(const std::string& what) {
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

void parse_json_lines(const std::string& content, const std::string& field, Collector& out) {
  const auto lines = text_lines(content);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t line = i + 1;
    const auto& raw = lines[i];
    if (is_blank(raw)) {
      out.bad(line, "empty line (expected a JSON object)");
      continue;
    }
    const auto bad_at = invalid_utf8_offset(raw);
    if (bad_at != std::string_view::npos) {
      out.bad(line, "invalid UTF-8 or a NUL byte at byte " + std::to_string(bad_at + 1));
      continue;
    }
    if (json_nesting_depth(raw) > kMaxJsonDepth) {
      out.bad(line, "the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      continue;
    }
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(raw);
    } catch (const nlohmann::json::exception& e) {
      out.bad(line, "invalid JSON: " + short_json_error(e.what()));
      continue;
    }
    if (!value.is_object()) {
      out.bad(line, std::string("expected a JSON object, got ") + value.type_name());
      continue;
    }
    const auto found = json_at_path(value, field);
    if (!found) {
      out.bad(line, "missing field " + field);
      continue;
    }
    if (!found->is_string()) {
      out.bad(line, "field " + field + " is " + found->type_name() + ", expected a string");
      continue;
    }
    out.text(line, found->get<std::string>(), "text in field " + field);
  }
}

void parse_csv_column(const std::string& content, const std::string& origin, const std::string& column,
                      Collector& out) {
  const auto table = data::parse_csv(content, origin);
  const auto it = std::find(table.header.begin(), table.header.end(), column);
  if (it == table.header.end()) {
    std::string known;
    for (const auto& h : table.header) known += (known.empty() ? "" : ", ") + h;
    throw InputError(origin + ": no column '" + column + "' in the CSV header (columns: " + known +
                     "); pick one with --column");
  }
  const auto index = static_cast<std::size_t>(it - table.header.begin());
  for (std::size_t r = 0; r < table.rows.size(); ++r)
    out.text(table.lines[r], table.rows[r][index], "text in column " + column);
}

// Each audit event's command line; a line auditd's decoder could not read is a bad line.
void parse_audit_log(const std::string& content, Collector& out) {
  const auto log = decode_audit_log(content);
  std::size_t next_issue = 0;
  for (const auto& command : log.commands) {
    while (next_issue < log.issues.size() && log.issues[next_issue].line < command.line) {
      out.bad(log.issues[next_issue].line, log.issues[next_issue].message);
      ++next_issue;
    }
    out.text(command.line, command.command, "command of audit event " + command.event);
  }
  for (; next_issue < log.issues.size(); ++next_issue)
    out.bad(log.issues[next_issue].line, log.issues[next_issue].message);
}

std::optional<nlohmann::json> resolve(const nlohmann::json& value, const std::vector<std::string>& segments,
                                      std::size_t start) {
  if (start == segments.size()) return value;
  if (value.is_object()) {
    // Longest key first: "process.command_line" as one flattened key beats process -> command_line.
    for (std::size_t end = segments.size(); end > start; --end) {
      std::string key = segments[start];
      for (std::size_t k = start + 1; k < end; ++k) key += "." + segments[k];
      const auto it = value.find(key);
      if (it == value.end()) continue;
      if (auto found = resolve(*it, segments, end)) return found;
    }
    return std::nullopt;
  }
  if (value.is_array()) {
    const auto& seg = segments[start];
    if (seg.empty() || seg.size() > 9 ||
        !std::all_of(seg.begin(), seg.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      return std::nullopt;
    const auto index = std::stoul(seg);
    if (index >= value.size()) return std::nullopt;
    return resolve(value[index], segments, start + 1);
  }
  return std::nullopt;
}

}  // namespace

InputFormat parse_input_format(const std::string& name) {
  const auto n = lower(name);
  if (n == "lines" || n == "plain" || n == "text") return InputFormat::kLines;
  if (n == "csv") return InputFormat::kCsv;
  if (n == "jsonl" || n == "json" || n == "ndjson") return InputFormat::kJsonLines;
  if (n == "auditd" || n == "audit") return InputFormat::kAuditd;
  throw InputError("--input-format: '" + name +
                   "' is not an input format (expected lines, csv, jsonl or auditd)");
}

InputFormat infer_input_format(const std::filesystem::path& file) {
  const auto ext = lower(file.extension().string());
  if (ext == ".csv") return InputFormat::kCsv;
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return InputFormat::kJsonLines;
  const auto name = file.filename().string();
  if (name == "audit.log" || name.rfind("audit.log.", 0) == 0) return InputFormat::kAuditd;
  return InputFormat::kLines;
}

OnError parse_on_error(const std::string& name) {
  const auto n = lower(name);
  if (n == "skip") return OnError::kSkip;
  if (n == "fail") return OnError::kFail;
  throw InputError("--on-error: '" + name + "' is not a policy (expected skip or fail)");
}

std::optional<nlohmann::json> json_at_path(const nlohmann::json& value, const std::string& dotted_path) {
  if (dotted_path.empty()) return std::nullopt;
  return resolve(value, split(dotted_path, '.'), 0);
}

InputTexts texts_from_arguments(const std::vector<std::string>& texts, OnError on_error) {
  Collector out("--text", on_error);
  for (std::size_t i = 0; i < texts.size(); ++i) out.text(i + 1, texts[i], "text");
  return out.take();
}

InputTexts parse_inputs(const std::string& content, const std::string& origin, const InputOptions& options) {
  Collector out(origin, options.on_error);
  switch (options.format) {
    case InputFormat::kLines:
      parse_plain(content, out);
      break;
    case InputFormat::kCsv:
      if (options.column.empty()) throw InputError("--column: the CSV column name must not be empty");
      parse_csv_column(content, origin, options.column, out);
      break;
    case InputFormat::kJsonLines:
      if (options.field.empty() || options.field.front() == '.' || options.field.back() == '.' ||
          options.field.find("..") != std::string::npos)
        throw InputError("--field: '" + options.field +
                         "' is not a dotted field path (e.g. process.command_line)");
      parse_json_lines(content, options.field, out);
      break;
    case InputFormat::kAuditd:
      parse_audit_log(content, out);
      break;
  }
  return out.take();
}

}  // namespace attune::inference
