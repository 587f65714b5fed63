// The texts `predict` scores, read from one of four input forms: plain lines (one text a line), CSV (one
// named column), JSON lines (one object a line, the text at a dotted field path such as
// `process.command_line`, so Sysmon/EDR exports are scored as they are) or a Linux audit log (each audit
// event's command line from its EXECVE / PROCTITLE records, inference/auditd.h). A bad line (invalid JSON, a
// missing or non-string field, an empty text, invalid UTF-8) is reported with its line number and either
// skipped or fails the read; it is never dropped silently.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attune::inference {

enum class InputFormat { kLines, kCsv, kJsonLines, kAuditd };
enum class OnError { kSkip, kFail };

// "lines" | "csv" | "jsonl" (also "json", "ndjson") | "auditd" (also "audit"); InputError naming the
// accepted forms otherwise.
InputFormat parse_input_format(const std::string& name);
// .csv -> kCsv; .jsonl / .ndjson / .json -> kJsonLines; audit.log (and its rotations audit.log.N) ->
// kAuditd; anything else (and "-") -> kLines.
InputFormat infer_input_format(const std::filesystem::path& file);
OnError parse_on_error(const std::string& name);  // "skip" | "fail"

struct InputOptions {
  InputFormat format = InputFormat::kLines;
  std::string column = "text";  // CSV column
  std::string field = "text";   // JSON lines: dotted field path
  OnError on_error = OnError::kSkip;
};

// One text to score and the 1-based line of the source it came from.
struct InputText {
  std::size_t line = 0;
  std::string text;
};

// A skipped line: where and why ("invalid JSON: ...", "missing field process.command_line", ...).
struct InputIssue {
  std::size_t line = 0;
  std::string message;
};

struct InputTexts {
  std::vector<InputText> texts;     // in source order
  std::vector<InputIssue> skipped;  // in source order (empty with OnError::kFail)
};

// Parses `content` (a file's or standard input's bytes; a UTF-8 byte-order mark is ignored). `origin`
// names the source in messages ("events.jsonl", "<stdin>"). With OnError::kFail the first bad line throws
// InputError("origin:line: message"). A CSV whose structure is broken (unterminated quote, ragged row,
// invalid UTF-8 — see data::parse_csv) or that lacks the column throws InputError whatever on_error says.
InputTexts parse_inputs(const std::string& content, const std::string& origin, const InputOptions& options);

// The texts given on the command line (--text, repeatable): line = the text's position (1-based); an empty
// text or invalid UTF-8 is a bad line as in parse_inputs, reported as "--text:N: ...".
InputTexts texts_from_arguments(const std::vector<std::string>& texts, OnError on_error);

// The value at a dotted path in a JSON object: at each level the longest run of segments that names a key
// wins, so flattened keys ("process.command_line" as one key, as ECS exports write) and nested objects
// both resolve; a numeric segment indexes an array. std::nullopt when some step is absent.
std::optional<nlohmann::json> json_at_path(const nlohmann::json& value, const std::string& dotted_path);

}  // namespace attune::inference
