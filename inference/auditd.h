// Linux audit (auditd) logs decoded into the command lines they record, so `predict --input-format auditd`
// and serve's {"auditd": ...} score audit.log as it is.
//
// A process start is one audit event: records sharing msg=audit(TIME:SERIAL). Its EXECVE record holds the
// arguments (argc=N a0=... a1=...; each value "quoted", hex-encoded where it holds a space, quote or
// control byte, or split into aK_len=L aK[0]=... aK[1]=... when long, possibly over several EXECVE
// records); its PROCTITLE record holds the command line as one value (quoted, or hex with NUL bytes between
// the arguments; the kernel cuts it at 128 bytes). An event's command is its EXECVE arguments where they
// are complete, else its proctitle, the arguments joined by single spaces. The other record types (SYSCALL,
// CWD, PATH, ...) carry no command line and are passed over.
//
// Accepted line forms: raw audit.log (`type=EXECVE msg=audit(1764765600.123:42): argc=2 a0="ls" ...`,
// optionally after `node=HOST `), the kernel's and syslog's (`... audit: type=1309 audit(...): ...`, numeric
// types), and ausearch -i's interpreted form (`type=PROCTITLE msg=audit(12/03/2026 13:40:00.123:42) :
// proctitle=ls -la`), whose values are plain text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune::inference {

// One event's command line.
struct AuditCommand {
  std::size_t line = 0;  // 1-based line of the record it was read from (EXECVE's first, or PROCTITLE)
  std::string event;     // "TIME:SERIAL" as the record wrote it
  std::string source;    // "EXECVE" or "PROCTITLE"
  std::string command;   // the arguments joined by single spaces
};

// A line that is not an audit record, or an EXECVE / PROCTITLE record that cannot be decoded.
struct AuditIssue {
  std::size_t line = 0;
  std::string message;
};

struct AuditLog {
  std::vector<AuditCommand> commands;  // in the order of each event's first record
  std::vector<AuditIssue> issues;      // in line order
};

// Decodes a whole log (a UTF-8 byte-order mark and blank lines are passed over; LF or CRLF line ends).
// Never throws for bad content: what cannot be read is an issue with its line.
AuditLog decode_audit_log(std::string_view content);

// auditd's hex encoding of a value: two hex digits a byte (either case). std::nullopt for an odd length or
// a non-hex character.
std::optional<std::string> decode_audit_hex(std::string_view hex);

// One raw field value as auditd writes it: "text" (the text), (null) (empty), else hex. std::nullopt where
// an unquoted value is not valid hex.
std::optional<std::string> decode_audit_value(std::string_view value);

}  // namespace attune::inference
