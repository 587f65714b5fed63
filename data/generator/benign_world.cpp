#include "data/generator/benign_world.h"

#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "base/errors.h"
#include "base/file_digest.h"
#include "base/file_io.h"
#include "data/generator/evasion.h"
#include "data/generator/sanitize.h"
#include "data/generator/templates.h"

namespace attune::data {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader = "package\tversion\tsource\ttext";

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

struct Pin {
  std::string version;
  bool heldout = false;
};

std::map<std::string, Pin> read_pins(const fs::path& file) {
  std::map<std::string, Pin> pins;
  std::istringstream in(read_text_file(file));
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string package, version, split, extra;
    fields >> package >> version >> split;
    if (package.empty() || version.empty() || split.empty() || (fields >> extra))
      throw InputError(at_line(file.string(), n, "expected '<package> <version> train|heldout'"));
    if (split != "train" && split != "heldout")
      throw InputError(at_line(file.string(), n, "split '" + split + "': expected train or heldout"));
    if (!pins.emplace(package, Pin{version, split == "heldout"}).second)
      throw InputError(at_line(file.string(), n, "package '" + package + "' is pinned twice"));
  }
  return pins;
}

}  // namespace

fs::path default_benign_world_dir() {
  if (const char* env = std::getenv("ATTUNE_BENIGN_WORLD"); env && *env) return env;
  return fs::path(ATTUNE_PROJECT_DIR) / "data" / "benign_world";
}

BenignWorld load_benign_world(const fs::path& dir) {
  BenignWorld world;
  world.dir = dir;
  const auto pins = read_pins(dir / "packages.txt");
  for (const auto& [name, pin] : pins) ++(pin.heldout ? world.heldout_packages : world.train_packages);
  const fs::path file = dir / "commands.tsv";
  std::istringstream in(read_text_file(file));
  std::string line;
  if (!std::getline(in, line) || line != kHeader)
    throw InputError(at_line(file.string(), 1, "expected the header '" + std::string(kHeader) + "' (tabs)"));
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    auto fields = split_tabs(line);
    if (fields.size() != 4 || fields[3].empty())
      throw InputError(
          at_line(file.string(), n, "expected 4 tab-separated fields: package, version, source, text"));
    const auto pin = pins.find(fields[0]);
    if (pin == pins.end())
      throw InputError(at_line(file.string(), n, "package '" + fields[0] + "' is not in packages.txt"));
    if (pin->second.version != fields[1])
      throw InputError(at_line(file.string(), n,
                               "package '" + fields[0] + "' version " + fields[1] + " differs from its pin " +
                                   pin->second.version));
    WorldLine w{std::move(fields[0]), std::move(fields[1]), std::move(fields[2]), std::move(fields[3])};
    (pin->second.heldout ? world.heldout : world.train).push_back(std::move(w));
  }
  world.sha256 = sha256_file(file);
  return world;
}

const std::vector<std::pair<std::string, std::string>>& world_family_patterns() {
  static const std::vector<std::pair<std::string, std::string>> patterns = {
      // T1562.004: a host firewall emptied or switched off.
      {gen::kT1562,
       R"(\b(ip6?tables|ebtables|arptables)(-legacy|-nft)?\b.*\s(-f|--flush|-x|--delete-chain)\b)"},
      {gen::kT1562, R"(\b(ip6?tables)\b.*\s(-p|--policy)\s+(input|forward|output)\s+accept\b)"},
      {gen::kT1562, R"(\bnft\s+(flush|delete)\s+(ruleset|table)\b)"},
      {gen::kT1562, R"(\bufw\s+(--force\s+)?(disable|reset)\b)"},
      {gen::kT1562, R"(\bnetsh\b.*\bfirewall\b.*\b(off|disable)\b)"},
      // T1562.001 / .012: security and audit daemons stopped, disabled or masked; audit rules deleted.
      {gen::kT1562,
       R"(\b(systemctl|service|rc-service|invoke-rc\.d)\b.*\b(auditd|apparmor|firewalld|ufw|rsyslog|syslog|syslog-ng|systemd-journald|selinux|clamav-daemon|clamav-freshclam|falcon-sensor|osqueryd|wazuh-agent|ossec)\b.*\b(stop|disable|mask|kill)\b)"},
      {gen::kT1562,
       R"(\b(systemctl|service)\b.*\b(stop|disable|mask|kill)\b.*\b(auditd|apparmor|firewalld|ufw|rsyslog|syslog|syslog-ng|systemd-journald|clamav-daemon|falcon-sensor|osqueryd|wazuh-agent)\b)"},
      {gen::kT1562, R"(\b(pkill|killall|kill)\b.*\b(auditd|rsyslogd|syslogd|journald|osqueryd|falcon)\b)"},
      {gen::kT1562, R"(\bauditctl\b.*\s(-d|-e\s*0|-D)\b)"},
      {gen::kT1562, R"((\brm|\bmv|\btruncate|>)\s.*/etc/audit/(audit\.rules|rules\.d|auditd\.conf))"},
      {gen::kT1562, R"(\b(aa-disable|aa-complain|aa-teardown)\b|\bapparmor_parser\b.*\s(-r|--remove)\b)"},
      {gen::kT1562, R"(\bsetenforce\s+(0|permissive)\b|\bsetsebool\b.*\b(off|0)\b)"},
      // T1562.003 / T1070-style history tampering (the presets' T1562 families include it).
      {gen::kT1562,
       R"(\bhistory\s+-[cw]\b|\bunset\s+hist|\bhist(file|size|filesize)=|\bset\s+\+o\s+history\b)"},
      {gen::kT1562,
       R"((\brm|\bshred|\btruncate|>)\s*.*(\.bash_history|\.zsh_history|/var/log/(auth|secure|syslog|messages|audit)))"},
      {gen::kT1562, R"(\bjournalctl\b.*--(vacuum|rotate))"},
      // T1003.002: hives saved or copied.
      {gen::kT1003_002, R"(\breg(\.exe)?\s+save\b)"},
      {gen::kT1003_002, R"(\bsam(\.save|\.hiv|\.bak)?\b.*\bsystem(\.save|\.hiv|\.bak)?\b)"},
      // T1134: running as another user with that user's token or credentials.
      {gen::kT1134, R"(\brunas(\.exe)?\s+/)"},
  };
  return patterns;
}

std::string world_sanitizer_hit(std::string_view text, const std::vector<std::string>& attack_labels) {
  if (auto keyword = find_malicious_keyword(text, attack_labels); !keyword.empty())
    return "keyword " + keyword;
  static const auto compiled = [] {
    std::vector<std::pair<std::string, std::regex>> out;
    for (const auto& [label, pattern] : world_family_patterns())
      out.emplace_back(label, std::regex(pattern, std::regex::ECMAScript | std::regex::optimize));
    return out;
  }();
  const std::string low = gen::to_lower(std::string(text));
  for (std::size_t i = 0; i < compiled.size(); ++i) {
    const auto& [label, re] = compiled[i];
    bool wanted = false;
    for (const auto& l : attack_labels) wanted = wanted || l == label;
    if (wanted && std::regex_search(low, re)) return "pattern " + world_family_patterns()[i].second;
  }
  return "";
}

}  // namespace attune::data
