#include "data/generator/evasion.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace attune::data::gen {

namespace {

// Windows programs that live in System32 and may be called by a full or alternate path.
const std::vector<std::string> kSystemBinaries = {
    "reg",      "vssadmin", "esentutl", "wmic",     "net",      "net1",   "netsh",    "sc",        "auditpol",
    "wevtutil", "cmd",      "whoami",   "runas",    "netstat",  "fltmc",  "schtasks", "robocopy",  "xcopy",
    "tasklist", "taskkill", "logman",   "ipconfig", "certutil", "icacls", "mklink",   "powershell"};

// PowerShell cmdlets and their built-in aliases.
const std::vector<std::pair<std::string, std::vector<std::string>>> kAliases = {
    {"get-ciminstance", {"gcim"}},
    {"invoke-wmimethod", {"iwmi"}},
    {"start-process", {"saps", "start"}},
    {"get-wmiobject", {"gwmi"}},
    {"get-childitem", {"gci", "ls", "dir"}},
    {"get-process", {"gps", "ps"}},
    {"stop-process", {"spps", "kill"}},
    {"stop-service", {"spsv"}},
    {"start-service", {"sasv"}},
    {"get-service", {"gsv"}},
    {"set-itemproperty", {"sp"}},
    {"get-itemproperty", {"gp"}},
    {"where-object", {"?", "where"}},
    {"foreach-object", {"%", "foreach"}},
    {"select-object", {"select"}},
    {"copy-item", {"cp", "copy", "cpi"}},
    {"get-content", {"gc", "cat", "type"}},
    {"format-table", {"ft"}},
    {"invoke-expression", {"iex"}},
    {"remove-item", {"rm", "del", "ri"}},
    {"group-object", {"group"}}};

// PowerShell parameters and their accepted abbreviations.
const std::vector<std::pair<std::string, std::vector<std::string>>> kFlagForms = {
    {"-encodedcommand", {"-enc", "-ec", "-e", "-en", "-encod"}},
    {"-noprofile", {"-nop", "-nopr", "-noprof"}},
    {"-executionpolicy", {"-ep", "-exec", "-ex", "-executionp"}},
    {"-windowstyle", {"-w", "-win", "-wind"}},
    {"-noninteractive", {"-noni", "-nonint"}},
    {"-command", {"-c", "-com", "-comm"}},
    {"-nop", {"-noprofile"}},
    {"-enc", {"-encodedcommand", "-EncodedCommand"}},
    {"-ep", {"-executionpolicy", "-ExecutionPolicy"}},
    {"-c", {"-command", "-Command"}},
    {"-force", {"-f", "-fo"}},
};

std::size_t ifind(const std::string& haystack, const std::string& needle, std::size_t from = 0) {
  if (needle.empty() || haystack.size() < needle.size()) return std::string::npos;
  for (std::size_t i = from; i + needle.size() <= haystack.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[i + k])) == static_cast<unsigned char>(needle[k]))
      ++k;
    if (k == needle.size()) return i;
  }
  return std::string::npos;
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Like ifind, but only where the match is a whole word (no word character on either side).
std::size_t ifind_word(const std::string& haystack, const std::string& needle) {
  for (std::size_t at = ifind(haystack, needle); at != std::string::npos;
       at = ifind(haystack, needle, at + 1)) {
    bool left = at == 0 || !word_char(haystack[at - 1]) || needle[0] == '-';
    bool right = at + needle.size() == haystack.size() || !word_char(haystack[at + needle.size()]);
    if (left && right) return at;
  }
  return std::string::npos;
}

// The first word and where it ends.
std::size_t first_word_end(const std::string& text) {
  std::size_t end = text.find(' ');
  return end == std::string::npos ? text.size() : end;
}

// The first word without a directory or ".exe", lower-cased.
std::string program_name(const std::string& text) {
  std::string word = to_lower(text.substr(0, first_word_end(text)));
  auto slash = word.find_last_of("\\/");
  if (slash != std::string::npos) word = word.substr(slash + 1);
  if (word.size() > 4 && word.compare(word.size() - 4, 4, ".exe") == 0) word.resize(word.size() - 4);
  return word;
}

bool plain_word(const std::string& word) {
  if (word.size() < 2) return false;
  for (char c : word)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  return true;
}

// Windows-looking: a System32 program, a backslash path, or a PowerShell Verb-Noun first word.
bool windows_like(const std::string& text) {
  const std::string name = program_name(text);
  for (const auto& b : kSystemBinaries)
    if (b == name) return true;
  if (text.find('\\') != std::string::npos) return true;
  std::size_t dash = text.find('-');
  return dash != std::string::npos && dash < first_word_end(text) &&
         std::isupper(static_cast<unsigned char>(text[0]));
}

std::string caret(const std::string& text, Rng& rng) {
  if (!windows_like(text)) return text;
  std::size_t end = first_word_end(text);
  std::string word = text.substr(0, end);
  if (!plain_word(word)) return text;
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    out += word[i];
    if (i + 1 < word.size() && (rng.chance(500) || i == 0)) out += '^';
  }
  return out + text.substr(end);
}

std::string quotes(const std::string& text, Rng& rng) {
  std::size_t end = first_word_end(text);
  std::string word = text.substr(0, end);
  if (!plain_word(word)) return text;
  std::size_t a = rng.below(word.size());
  std::size_t b = a + 1 + rng.below(word.size() - a);
  return word.substr(0, a) + "\"" + word.substr(a, b - a) + "\"" + word.substr(b) + text.substr(end);
}

std::string system_path(const std::string& text, Rng& rng) {
  std::string name = program_name(text);
  bool known = false;
  for (const auto& b : kSystemBinaries) known = known || b == name;
  if (!known || name == "powershell") return text;
  static const std::vector<std::string> dirs = {"%SystemRoot%\\System32\\",       "C:\\Windows\\Sysnative\\",
                                                "%windir%\\system32\\",           "C:\\Windows\\SysWOW64\\",
                                                "\\\\?\\C:\\Windows\\System32\\", "%COMSPEC:~0,-7%"};
  return rng.pick(dirs) + name + ".exe" + text.substr(first_word_end(text));
}

std::string env_vars(const std::string& text, Rng& rng) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> forms = {
      {"c:\\windows\\temp", {"%windir%\\temp", "%SystemRoot%\\Temp"}},
      {"c:\\windows\\system32", {"%windir%\\system32", "%SystemRoot%\\System32"}},
      {"c:\\programdata", {"%ProgramData%", "%ALLUSERSPROFILE%"}},
      {"c:\\users\\public", {"%PUBLIC%"}},
      {"c:\\program files", {"%ProgramFiles%"}},
      {"c:\\windows", {"%windir%", "%SystemRoot%"}}};
  for (const auto& [plain, vars] : forms) {
    std::size_t at = ifind(text, plain);
    if (at != std::string::npos) return text.substr(0, at) + rng.pick(vars) + text.substr(at + plain.size());
  }
  return text;
}

std::string swap_table(const std::string& text, Rng& rng,
                       const std::vector<std::pair<std::string, std::vector<std::string>>>& table) {
  std::vector<std::size_t> hits;
  for (std::size_t i = 0; i < table.size(); ++i)
    if (ifind_word(text, table[i].first) != std::string::npos) hits.push_back(i);
  if (hits.empty()) return text;
  const auto& [from, to] = table[rng.pick(hits)];
  std::size_t at = ifind_word(text, from);
  return text.substr(0, at) + rng.pick(to) + text.substr(at + from.size());
}

// "/x" <-> "-x" for single-letter switches.
std::string switch_style(const std::string& text, Rng& rng) {
  if (!windows_like(text)) return text;
  std::vector<std::size_t> spots;
  for (std::size_t i = 1; i + 1 < text.size(); ++i)
    if (text[i - 1] == ' ' && (text[i] == '/' || text[i] == '-') &&
        std::isalpha(static_cast<unsigned char>(text[i + 1])) &&
        (i + 2 == text.size() || text[i + 2] == ' ' || text[i + 2] == ':'))
      spots.push_back(i);
  if (spots.empty()) return text;
  std::string out = text;
  std::size_t at = rng.pick(spots);
  out[at] = out[at] == '/' ? '-' : '/';
  return out;
}

std::string wrapper(const std::string& text, Rng& rng) {
  if (text.find('"') != std::string::npos || !windows_like(text)) return text;
  static const std::vector<std::pair<std::string, std::string>> wraps = {
      {"cmd /c ", ""},           {"cmd.exe /q /c \"", "\""},
      {"cmd /v:on /c \"", "\""}, {"C:\\Windows\\System32\\cmd.exe /c ", ""},
      {"start /b ", ""},         {"conhost.exe --headless ", ""}};
  const auto& [pre, post] = rng.pick(wraps);
  return pre + text + post;
}

}  // namespace

std::string to_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string case_games(const std::string& text, Rng& rng) {
  std::uint64_t roll = rng.below(100);
  if (roll < 70) return text;
  if (roll < 85) return to_lower(text);
  std::string out = text;
  std::size_t end = first_word_end(out);
  if (roll < 95) {
    for (std::size_t i = 0; i < end; ++i)
      out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
    return out;
  }
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string add_noise(const std::string& text, Rng& rng, std::size_t keep_through) {
  switch (rng.below(3)) {
    case 0: {  // extra whitespace
      std::string out;
      for (char c : text) {
        out += c;
        if (c == ' ' && rng.chance(250)) out += rng.chance(200) ? "\t" : (rng.chance(500) ? "  " : " ");
      }
      if (out == text) out = text + "  ";
      return out;
    }
    case 1: {  // a malformed flag
      std::vector<std::size_t> flags;
      for (std::size_t i = 1; i + 1 < text.size(); ++i)
        if (text[i - 1] == ' ' && (text[i] == '/' || text[i] == '-')) flags.push_back(i);
      if (flags.empty()) return text + " -";
      std::size_t at = rng.pick(flags);
      static const std::vector<std::string> damage = {"double", "drop", "space", "swap"};
      const std::string& how = rng.pick(damage);
      if (how == "double") return text.substr(0, at + 1) + text[at] + text.substr(at + 1);
      if (how == "drop") return text.substr(0, at) + text.substr(at + 1);
      if (how == "space") return text.substr(0, at + 1) + " " + text.substr(at + 1);
      std::string out = text;
      out[at] = out[at] == '/' ? '-' : '/';
      return out;
    }
    default: {  // truncated
      if (text.size() < 24) return text + " ";
      const std::size_t keep = std::max(text.size() / 2 + rng.below(text.size() / 2), keep_through);
      return keep >= text.size() ? text + " " : text.substr(0, keep);
    }
  }
}

std::string apply_evasion(const std::string& text, Rng& rng) {
  using Transform = std::string (*)(const std::string&, Rng&);
  static const std::vector<Transform> transforms = {
      caret,
      quotes,
      system_path,
      env_vars,
      [](const std::string& t, Rng& r) { return swap_table(t, r, kFlagForms); },
      [](const std::string& t, Rng& r) { return swap_table(t, r, kAliases); },
      switch_style,
      wrapper};
  std::vector<std::size_t> order(transforms.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  rng.shuffle(order);
  std::string out = text;
  const std::size_t wanted = 1 + rng.below(2);
  std::size_t applied = 0;
  for (std::size_t i = 0; i < order.size() && applied < wanted; ++i) {
    std::string next = transforms[order[i]](out, rng);
    if (next != out) {
      out = std::move(next);
      ++applied;
    }
  }
  return out;
}

}  // namespace attune::data::gen
