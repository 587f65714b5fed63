// libFuzzer target: the Linux audit log decoder (inference/auditd.h). It never throws; every command comes
// from a line of the input, in the order of the events' first records, and carries no NUL byte and no
// leading or trailing space; the issues are in line order. decode_audit_hex / decode_audit_value agree
// with their definitions on the same bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inference/auditd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  const auto log = attune::inference::decode_audit_log(content);
  const std::size_t lines = static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1;
  for (const auto& c : log.commands) {
    if (c.line < 1 || c.line > lines) std::abort();
    if (c.source != "EXECVE" && c.source != "PROCTITLE") std::abort();
    if (c.command.find('\0') != std::string::npos) std::abort();
    if (!c.command.empty() && (c.command.front() == ' ' || c.command.back() == ' ')) std::abort();
  }
  for (std::size_t i = 0; i < log.issues.size(); ++i) {
    if (log.issues[i].line < 1 || log.issues[i].line > lines || log.issues[i].message.empty()) std::abort();
    if (i > 0 && log.issues[i].line < log.issues[i - 1].line) std::abort();
  }

  // The value decoders on the raw bytes: hex decodes to half the length, and encodes back (lower case).
  if (const auto bytes = attune::inference::decode_audit_hex(content)) {
    if (bytes->size() * 2 != content.size()) std::abort();
    static const char* const kDigits = "0123456789abcdef";
    std::string hex;
    for (const unsigned char b : *bytes) hex += {kDigits[b >> 4], kDigits[b & 15]};
    std::string lower(content);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) {
      return static_cast<char>(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
    });
    if (hex != lower) std::abort();
  }
  if (const auto value = attune::inference::decode_audit_value(content)) {
    const bool quoted = content.size() >= 2 && content.front() == '"' && content.back() == '"';
    if (quoted && *value != content.substr(1, content.size() - 2)) std::abort();
  }
  return 0;
}
