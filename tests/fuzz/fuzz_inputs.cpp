// libFuzzer target: predict's input forms (inference/inputs.h): plain lines, CSV, JSON lines, audit logs.
// The first line of the input picks the form (its first byte modulo 4) and, after that byte, the CSV column
// or the JSON field path (default "text"); the rest is the content. Every text kept is non-blank UTF-8
// without NUL, lines lie within the content (increasing, except for audit events, which keep the order
// of their first records); only InputError is thrown; and the "fail"
// policy throws exactly when the "skip" policy skipped a line, else gives the same texts.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/errors.h"
#include "base/file_io.h"
#include "inference/inputs.h"

namespace {

using attune::inference::InputFormat;
using attune::inference::InputOptions;
using attune::inference::InputTexts;
using attune::inference::OnError;

void check(const InputTexts& got, std::size_t lines, bool in_line_order) {
  std::size_t previous = 0;
  for (const auto& t : got.texts) {
    if (t.line < 1 || t.line > lines || (in_line_order && t.line < previous)) std::abort();
    previous = t.line;
    if (attune::invalid_utf8_offset(t.text) != std::string_view::npos) std::abort();
    if (std::all_of(t.text.begin(), t.text.end(), [](unsigned char c) { return std::isspace(c) != 0; }))
      std::abort();
  }
  for (const auto& s : got.skipped)
    if (s.line < 1 || s.line > lines || s.message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  if (newline == std::string_view::npos || newline == 0) return 0;
  const std::string_view head = input.substr(0, newline);
  const std::string content(input.substr(newline + 1));
  constexpr InputFormat kForms[] = {InputFormat::kLines, InputFormat::kCsv, InputFormat::kJsonLines,
                                    InputFormat::kAuditd};
  InputOptions options;
  options.format = kForms[static_cast<unsigned char>(head[0]) % 4];
  if (head.size() > 1) options.column = options.field = std::string(head.substr(1));
  const std::size_t lines = static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1;

  options.on_error = OnError::kSkip;
  InputTexts skipped;
  try {
    skipped = attune::inference::parse_inputs(content, "fuzz", options);
  } catch (const attune::InputError&) {
    // A broken CSV, a missing column or a bad field path: the strict policy must refuse too.
    options.on_error = OnError::kFail;
    try {
      attune::inference::parse_inputs(content, "fuzz", options);
    } catch (const attune::InputError&) {
      return 0;
    }
    std::abort();
  }
  // Audit events come in the order of their first records, which need not be their commands' lines.
  check(skipped, lines, options.format != InputFormat::kAuditd);

  options.on_error = OnError::kFail;
  try {
    const auto strict = attune::inference::parse_inputs(content, "fuzz", options);
    if (!skipped.skipped.empty() || !strict.skipped.empty() || strict.texts.size() != skipped.texts.size())
      std::abort();
    for (std::size_t i = 0; i < strict.texts.size(); ++i)
      if (strict.texts[i].text != skipped.texts[i].text || strict.texts[i].line != skipped.texts[i].line)
        std::abort();
  } catch (const attune::InputError& e) {
    if (skipped.skipped.empty()) std::abort();  // failed where nothing was skipped
    // It names the first skipped line.
    const std::string expected = "fuzz:" + std::to_string(skipped.skipped.front().line) + ":";
    if (std::string_view(e.what()).substr(0, expected.size()) != expected) std::abort();
  }
  return 0;
}
