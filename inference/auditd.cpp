#include "inference/auditd.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "base/file_io.h"

namespace attune::inference {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// NUL bytes (proctitle's argument separators) become spaces; runs of spaces at the ends are dropped.
std::string tidy(std::string s) {
  std::replace(s.begin(), s.end(), '\0', ' ');
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

// A record's header: `[node=HOST ]type=TYPE [msg=]audit(ID)[ ]: BODY`.
struct Record {
  std::string type;  // EXECVE, PROCTITLE, SYSCALL, ... (numeric kernel types 1309 / 1327 named)
  std::string event;
  bool interpreted = false;  // ausearch -i: plain values
  std::string_view body;
};

std::optional<Record> parse_record(std::string_view line) {
  std::size_t at = 0;
  while (true) {
    at = line.find("type=", at);
    if (at == std::string_view::npos) return std::nullopt;
    if (at == 0 || is_space(line[at - 1])) break;
    at += 5;
  }
  Record r;
  std::size_t p = at + 5;
  const auto type_end = std::min(line.size(), line.find(' ', p));
  r.type = std::string(line.substr(p, type_end - p));
  if (r.type == "1309") r.type = "EXECVE";
  if (r.type == "1327") r.type = "PROCTITLE";
  p = type_end;
  while (p < line.size() && is_space(line[p])) ++p;
  if (line.substr(p, 4) == "msg=") p += 4;
  if (line.substr(p, 6) != "audit(") return std::nullopt;
  p += 6;
  const auto close = line.find(')', p);
  if (close == std::string_view::npos) return std::nullopt;
  r.event = std::string(line.substr(p, close - p));
  r.interpreted = r.event.find(' ') != std::string::npos;  // "12/03/2026 13:40:00.123:42"
  p = close + 1;
  while (p < line.size() && is_space(line[p])) ++p;
  if (p >= line.size() || line[p] != ':') return std::nullopt;
  ++p;
  while (p < line.size() && is_space(line[p])) ++p;
  r.body = line.substr(p);
  return r;
}

struct Field {
  std::string key;
  std::string_view value;
};

// Raw fields: key=value separated by spaces, a value either "quoted" (to the next quote) or one token.
std::vector<Field> raw_fields(std::string_view body) {
  std::vector<Field> fields;
  std::size_t p = 0;
  while (p < body.size()) {
    while (p < body.size() && is_space(body[p])) ++p;
    const auto eq = body.find('=', p);
    if (eq == std::string_view::npos) break;
    Field f;
    f.key = std::string(body.substr(p, eq - p));
    p = eq + 1;
    std::size_t end;
    if (p < body.size() && body[p] == '"') {
      end = body.find('"', p + 1);
      end = end == std::string_view::npos ? body.size() : end + 1;
    } else {
      end = p;
      while (end < body.size() && !is_space(body[end])) ++end;
    }
    f.value = body.substr(p, end - p);
    fields.push_back(std::move(f));
    p = end;
  }
  return fields;
}

// Whether body[p..] starts an EXECVE key: argc, aN, aN_len or aN[K], followed by '='; its length then.
std::size_t execve_key_length(std::string_view body, std::size_t p) {
  if (body.substr(p, 5) == "argc=") return 4;
  if (p >= body.size() || body[p] != 'a') return 0;
  std::size_t q = p + 1;
  const auto digits = q;
  while (q < body.size() && std::isdigit(static_cast<unsigned char>(body[q]))) ++q;
  if (q == digits) return 0;
  if (body.substr(q, 4) == "_len") {
    q += 4;
  } else if (q < body.size() && body[q] == '[') {
    const auto close = body.find(']', q);
    if (close == std::string_view::npos) return 0;
    q = close + 1;
  }
  return q < body.size() && body[q] == '=' ? q - p : 0;
}

// Interpreted EXECVE fields: a value runs to the next " KEY=" that names an EXECVE field, so arguments with
// spaces stay whole.
std::vector<Field> interpreted_execve_fields(std::string_view body) {
  std::vector<std::size_t> starts;
  for (std::size_t p = 0; p < body.size(); ++p)
    if ((p == 0 || is_space(body[p - 1])) && execve_key_length(body, p) > 0) starts.push_back(p);
  std::vector<Field> fields;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto key_length = execve_key_length(body, starts[i]);
    Field f;
    f.key = std::string(body.substr(starts[i], key_length));
    const auto value_start = starts[i] + key_length + 1;
    auto value_end = i + 1 < starts.size() ? starts[i + 1] : body.size();
    while (value_end > value_start && is_space(body[value_end - 1])) --value_end;
    f.value = body.substr(value_start, value_end - value_start);
    fields.push_back(std::move(f));
  }
  return fields;
}

std::optional<long> small_number(std::string_view s) {
  if (s.empty() || s.size() > 6 ||
      !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return std::nullopt;
  return std::stol(std::string(s));
}

// What one event has told so far.
struct Event {
  std::size_t first_line = 0;  // any record
  std::size_t execve_line = 0;
  std::optional<long> argc;
  std::map<long, std::string> args;
  std::map<long, std::map<long, std::string>> pieces;  // aN[K]
  std::size_t proctitle_line = 0;
  std::optional<std::string> proctitle;
};

class Decoder {
 public:
  void line(std::size_t number, std::string_view text) {
    if (std::all_of(text.begin(), text.end(), [](char c) { return is_space(c); })) return;
    const auto record = parse_record(text);
    if (!record) return issue(number, "not an audit record (expected type=... msg=audit(...): ...)");
    auto [it, fresh] = events_.try_emplace(record->event);
    if (fresh) order_.push_back(record->event);
    Event& e = it->second;
    if (e.first_line == 0) e.first_line = number;
    if (record->type == "EXECVE") execve(number, *record, e);
    if (record->type == "PROCTITLE") proctitle(number, *record, e);
  }

  AuditLog finish() {
    for (const auto& id : order_) {
      const Event& e = events_.at(id);
      std::string missing;
      if (e.execve_line != 0) {
        auto command = execve_command(e, &missing);
        if (command) {
          log_.commands.push_back({e.execve_line, id, "EXECVE", tidy(*command)});
          continue;
        }
      }
      if (e.proctitle) {
        log_.commands.push_back({e.proctitle_line, id, "PROCTITLE", *e.proctitle});
      } else if (e.execve_line != 0) {
        issue(e.execve_line, "audit event " + id + ": EXECVE " + missing + " and no PROCTITLE record");
      }
    }
    // Commands are already in the order of each event's first record (order_); the issues of incomplete
    // events come after the line-by-line ones.
    std::stable_sort(log_.issues.begin(), log_.issues.end(),
                     [](const AuditIssue& a, const AuditIssue& b) { return a.line < b.line; });
    return std::move(log_);
  }

 private:
  void issue(std::size_t line, std::string message) { log_.issues.push_back({line, std::move(message)}); }

  void execve(std::size_t number, const Record& r, Event& e) {
    if (e.execve_line == 0) e.execve_line = number;
    const auto fields = r.interpreted ? interpreted_execve_fields(r.body) : raw_fields(r.body);
    for (const auto& f : fields) {
      if (execve_key_length(f.key + "=", 0) == 0) continue;
      if (f.key == "argc") {
        e.argc = small_number(f.value);
        if (!e.argc) issue(number, "EXECVE argc is '" + std::string(f.value) + "', expected a count");
        continue;
      }
      if (f.key.find("_len") != std::string::npos) continue;  // the pieces tell the length
      std::optional<std::string> value =
          r.interpreted ? std::optional<std::string>(std::string(f.value)) : decode_audit_value(f.value);
      if (!value) {
        issue(number, "EXECVE " + f.key + " is neither quoted nor hex: '" + std::string(f.value) + "'");
        continue;
      }
      const auto bracket = f.key.find('[');
      const auto index = small_number(std::string_view(f.key).substr(1, bracket - 1));
      if (!index) continue;
      if (bracket == std::string::npos) {
        e.args[*index] = std::move(*value);
      } else {
        const auto piece =
            small_number(std::string_view(f.key).substr(bracket + 1, f.key.size() - bracket - 2));
        if (piece) e.pieces[*index][*piece] = std::move(*value);
      }
    }
  }

  void proctitle(std::size_t number, const Record& r, Event& e) {
    constexpr std::string_view kKey = "proctitle=";
    const auto at = r.body.find(kKey);
    if (at != 0 && (at == std::string_view::npos || !is_space(r.body[at - 1])))
      return issue(number, "PROCTITLE record without proctitle=");
    std::string_view value = r.body.substr(at + kKey.size());
    if (value.empty()) return issue(number, "PROCTITLE record with an empty proctitle=");
    std::optional<std::string> decoded;
    if (r.interpreted) {
      decoded = std::string(value);
    } else {
      const auto end = value.front() == '"' ? value.find('"', 1) : value.find(' ');
      if (end != std::string_view::npos) value = value.substr(0, value.front() == '"' ? end + 1 : end);
      decoded = decode_audit_value(value);
    }
    if (!decoded)
      return issue(number, "PROCTITLE value is neither quoted nor hex: '" + std::string(value) + "'");
    e.proctitle_line = number;
    e.proctitle = tidy(*decoded);
  }

  // The arguments a0..a(argc-1) joined, or std::nullopt with `missing` saying what is absent.
  static std::optional<std::string> execve_command(const Event& e, std::string* missing) {
    if (!e.argc || *e.argc == 0) {
      *missing = e.argc ? "argc=0" : "record lacks argc";
      return std::nullopt;
    }
    std::string command;
    for (long i = 0; i < *e.argc; ++i) {
      std::string arg;
      if (const auto it = e.args.find(i); it != e.args.end()) {
        arg = it->second;
      } else if (const auto p = e.pieces.find(i); p != e.pieces.end()) {
        long expected = 0;
        for (const auto& [k, piece] : p->second) {
          if (k != expected) {
            *missing =
                "argument a" + std::to_string(i) + " lacks its piece [" + std::to_string(expected) + "]";
            return std::nullopt;
          }
          arg += piece;
          ++expected;
        }
      } else {
        *missing = "argument a" + std::to_string(i) + " is missing (argc=" + std::to_string(*e.argc) + ")";
        return std::nullopt;
      }
      if (i > 0) command += ' ';
      command += arg;
    }
    return command;
  }

  std::map<std::string, Event> events_;
  std::vector<std::string> order_;
  AuditLog log_;
};

}  // namespace

std::optional<std::string> decode_audit_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::string> decode_audit_value(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    return std::string(value.substr(1, value.size() - 2));
  if (value == "(null)") return std::string();
  if (value.empty()) return std::nullopt;
  return decode_audit_hex(value);
}

AuditLog decode_audit_log(std::string_view content) {
  Decoder decoder;
  const auto lines = text_lines(content);
  for (std::size_t i = 0; i < lines.size(); ++i) decoder.line(i + 1, lines[i]);
  return decoder.finish();
}

}  // namespace attune::inference
