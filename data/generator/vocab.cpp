#include "data/generator/vocab.h"

#include <cstdio>
#include <string>
#include <vector>

namespace attune::data::gen {

namespace {

std::string chars_from(Rng& rng, const char* alphabet, std::size_t alphabet_size, std::size_t n) {
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out += alphabet[rng.below(alphabet_size)];
  return out;
}

constexpr char kHex[] = "0123456789abcdef";                           // lower-case hex digits
constexpr char kAlnumUpper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";  // NetBIOS-style suffixes
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";  // RFC 4648

std::string hex4(Rng& r) {
  return chars_from(r, kHex, 16, 4);
}
std::string hex8(Rng& r) {
  return chars_from(r, kHex, 16, 8);
}
std::string hex16(Rng& r) {
  return chars_from(r, kHex, 16, 16);
}
std::string hex32(Rng& r) {
  return chars_from(r, kHex, 16, 32);
}
std::string alnum7(Rng& r) {
  return chars_from(r, kAlnumUpper, 34, 7);
}
std::string alnum11(Rng& r) {
  return chars_from(r, kAlnumUpper, 34, 11);
}
std::string guid(Rng& r) {
  return chars_from(r, kHex, 16, 8) + "-" + chars_from(r, kHex, 16, 4) + "-" + chars_from(r, kHex, 16, 4) +
         "-" + chars_from(r, kHex, 16, 4) + "-" + chars_from(r, kHex, 16, 12);
}
std::string sid(Rng& r) {
  return "S-1-5-21-" + std::to_string(r.range(100000000, 4000000000)) + "-" +
         std::to_string(r.range(100000000, 4000000000)) + "-" +
         std::to_string(r.range(100000000, 4000000000)) + "-" + std::to_string(r.range(1000, 9999));
}
// Base64 of a UTF-16LE string of random letters: the shape of PowerShell's -EncodedCommand argument.
std::string b64(Rng& r) {
  std::string utf16;
  std::size_t n = static_cast<std::size_t>(r.range(12, 60));
  for (std::size_t i = 0; i < n; ++i) {
    utf16 += static_cast<char>(r.chance(150) ? ' ' : 'a' + static_cast<char>(r.below(26)));
    utf16 += '\0';
  }
  std::string out;
  for (std::size_t i = 0; i < utf16.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(utf16[i]) << 16;
    if (i + 1 < utf16.size()) v |= static_cast<unsigned char>(utf16[i + 1]) << 8;
    if (i + 2 < utf16.size()) v |= static_cast<unsigned char>(utf16[i + 2]);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < utf16.size() ? kBase64[(v >> 6) & 63] : '=';
    out += i + 2 < utf16.size() ? kBase64[v & 63] : '=';
  }
  return out;
}
std::string password(Rng& r) {
  static const std::vector<std::string> stems = {"Summer",  "Winter",   "Autumn",   "Spring",
                                                 "Welcome", "Passw0rd", "Company",  "Qwerty",
                                                 "Dragon",  "Monkey",   "Sunshine", "Letmein"};
  static const std::vector<std::string> tails = {"!", "#", "@", "!!", "$", "1!", "*", ""};
  return r.pick(stems) + std::to_string(r.range(1, 2025)) + r.pick(tails);
}
std::string date(Rng& r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(r.range(2021, 2025)),
                static_cast<int>(r.range(1, 12)), static_cast<int>(r.range(1, 28)));
  return buf;
}
std::string time_of_day(Rng& r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(r.range(0, 23)),
                static_cast<int>(r.range(0, 59)), static_cast<int>(r.range(0, 59)));
  return buf;
}

}  // namespace

void register_vocabulary(SlotTable& t) {
  t.add_fn("hex4", hex4);
  t.add_fn("hex8", hex8);
  t.add_fn("hex16", hex16);
  t.add_fn("hex32", hex32);
  t.add_fn("alnum7", alnum7);
  t.add_fn("alnum11", alnum11);
  t.add_fn("guid", guid);
  t.add_fn("sid", sid);
  t.add_fn("b64", b64);
  t.add_fn("pass", password);
  t.add_fn("date", date);
  t.add_fn("time", time_of_day);
  t.add_fn("lb", [](Rng&) { return std::string("{"); });
  t.add_fn("rb", [](Rng&) { return std::string("}"); });
  t.add_fn("pipe", [](Rng&) { return std::string("|"); });
  t.add_list("ts", {"{date}T{time}Z", "{date} {time}", "{date}T{time}.{#100-999}Z"});

  // People and accounts.
  t.add_list("first",
             {"john",  "mary",  "alex",  "priya", "wei",   "fatima", "carlos", "olga",  "kenji", "amara",
              "liam",  "noah",  "emma",  "sofia", "lucas", "mila",   "omar",   "ines",  "yusuf", "hana",
              "david", "laura", "tom",   "nina",  "raj",   "chen",   "anna",   "pavel", "irene", "marco",
              "julia", "sven",  "aisha", "diego", "lena",  "tariq",  "rosa",   "felix", "maya",  "ivan"});
  t.add_list("last",
             {"smith", "garcia",  "novak",  "tanaka", "okafor", "schmidt", "rossi",  "kowalski", "nguyen",
              "patel", "mueller", "dubois", "silva",  "kim",    "larsen",  "haddad", "jensen",   "moreau",
              "costa", "fischer", "walsh",  "ortiz",  "berg",   "ito",     "reyes",  "hughes",   "novik",
              "park",  "weber",   "lopez",  "khan",   "bauer",  "vogel",   "ward",   "ali",      "stone"});
  t.add_list("svcacct",
             {"backup", "sql", "web", "deploy", "scan", "build", "report", "sync", "print", "ops"});
  t.add_list("user", {"{first}", "{first}.{last}", "{first}{last}", "{first}_{last}", "{first}{#1-99}",
                      "{first}.{last}{#1-9}", "svc_{svcacct}", "svc-{svcacct}{#1-9}", "adm-{first}",
                      "{last}{#1-99}", "administrator", "admin", "{first}-{last}", "it-{first}"});
  t.add_list("luser", {"{first}", "{first}.{last}", "{first}{#1-99}", "ubuntu", "ec2-user", "deploy", "git",
                       "jenkins", "postgres", "www-data", "ops", "{last}", "ansible", "admin"});
  t.add_list("dom", {"acme",      "globex",    "initech",  "northwind",  "fabrikam", "contoso", "hooli",
                     "vandelay",  "wonka",     "tyrell",   "cyberdyne",  "soylent",  "oscorp",  "dunder",
                     "pinecrest", "bluewater", "redstone", "silverline", "ironbark", "lakeside"});
  t.add_list("domain", {"{dom}", "{dom}", "{dom}corp", "{dom}-ad", "corp", "{dom}hq"});
  t.add_list("dnsdomain",
             {"{dom}.local", "{dom}.corp", "ad.{dom}.com", "{dom}.internal", "{dom}.lan", "corp.{dom}.net"});

  // Machines and addresses.
  t.add_list("role", {"fs", "dc", "sql", "web", "app", "exch", "print", "file", "backup", "jump", "ci", "db",
                      "mail", "proxy", "rds", "hv", "mgmt", "log"});
  t.add_list("dept", {"fin", "hr", "eng", "ops", "mkt", "sales", "legal", "it", "rnd", "sup"});
  t.add_list("whost", {"DESKTOP-{alnum7}", "LAPTOP-{alnum7}", "WIN-{alnum11}", "{dept}-PC{#001-999}",
                       "{dept}-LT{#001-999}", "SRV-{role}{#01-40}", "{role}{#01-20}", "WS{#0001-9999}",
                       "{dom}-{role}-{#01-20}", "VM-{role}-{#01-40}"});
  t.add_list("lhost", {"ip-10-{#0-255}-{#0-255}-{#1-254}", "{role}-{#1-40}", "{role}-prod-{#1-20}",
                       "{role}-stage-{#1-9}", "ubuntu-{hex4}", "build-agent-{#1-60}", "node{#01-64}",
                       "k8s-worker-{#1-40}", "{first}-laptop", "{first}s-macbook-pro", "debian-{hex4}"});
  t.add_list("host", {"{whost}", "{lhost}"});
  t.add_list("fqdn", {"{whost}.{dnsdomain}", "{lhost}.{dnsdomain}", "{role}{#1-9}.{dnsdomain}"});
  t.add_list("ip", {"10.{#0-255}.{#0-255}.{#1-254}", "192.168.{#0-255}.{#1-254}",
                    "172.{#16-31}.{#0-255}.{#1-254}", "{#11-223}.{#0-255}.{#0-255}.{#1-254}"});
  t.add_list("port", {"{#1024-65535}", "443", "80", "8080", "8443", "22", "3389", "445", "5985", "3306",
                      "5432", "9200", "6379", "53", "389", "636", "{#49152-65535}"});
  t.add_list("pid", {"{#4-65532}"});
  t.add_list("drive", {"C", "C", "C", "C", "D", "E"});
  t.add_list("site", {"github.com", "gitlab.{dnsdomain}", "docs.{dom}.com", "intranet.{dnsdomain}",
                      "portal.{dom}.com", "mail.{dnsdomain}", "jira.{dnsdomain}", "wiki.{dnsdomain}",
                      "cdn.{dom}.net", "api.{dom}.io", "registry.{dnsdomain}", "packages.{dom}.org"});

  // Files and folders.
  t.add_list("word",
             {"report",   "data",      "notes",   "invoice", "budget",    "draft",    "final",  "export",
              "archive",  "summary",   "minutes", "plan",    "roadmap",   "design",   "spec",   "q1",
              "q2",       "q3",        "q4",      "payroll", "inventory", "contacts", "backup", "config",
              "settings", "test",      "out",     "results", "metrics",   "release",  "build",  "cache",
              "session",  "photo",     "scan",    "letter",  "contract",  "quote",    "order",  "ticket",
              "readme",   "changelog", "audit",   "slides",  "review",    "stats",    "temp",   "new",
              "old",      "copy",      "a",       "x",       "tmp",       "w",        "s"});
  t.add_list("fname",
             {"{word}", "{word}{#1-99}", "{word}_{word}", "{word}-{word}", "{word}_{#2019-2025}",
              "{word}{#01-12}{#01-28}", "{hex8}", "{word}.{word}", "{word}_{first}", "{word}v{#1-9}"});
  t.add_list("docext",
             {"docx", "xlsx", "pdf", "txt", "csv", "pptx", "md", "json", "xml", "png", "jpg", "zip"});
  t.add_list("proj",
             {"webapp",   "billing",       "inventory-api", "mobile",    "portal",       "etl",       "infra",
              "frontend", "backend",       "payments",      "reporting", "auth-service", "scheduler", "crm",
              "website",  "data-pipeline", "analytics",     "ml-models", "docs",         "tools"});
  t.add_list("share", {"shared", "public", "data", "projects", "finance", "hr", "it", "software", "scans",
                       "home", "profiles", "transfer", "archive", "dept", "users"});
  t.add_list("wtemp", {"C:\\Windows\\Temp", "C:\\Users\\{user}\\AppData\\Local\\Temp", "%TEMP%", "%TMP%",
                       "C:\\ProgramData", "C:\\Users\\Public", "C:\\PerfLogs", "C:\\Temp", "{drive}:\\tmp",
                       "C:\\Windows\\Tasks", "%APPDATA%", "C:\\Users\\{user}\\Downloads", "%PUBLIC%",
                       "C:\\Users\\Public\\Music", "\\\\{whost}\\C$\\Windows\\Temp", "\\\\{ip}\\{share}",
                       "C:\\ProgramData\\{hex8}", "C:\\$Recycle.Bin", "%LOCALAPPDATA%\\Temp"});
  t.add_list("wdocs", {"C:\\Users\\{user}\\Documents", "C:\\Users\\{user}\\Desktop", "D:\\Projects\\{proj}",
                       "C:\\src\\{proj}", "\\\\{whost}\\{share}", "C:\\Users\\{user}\\OneDrive\\Documents",
                       "D:\\Data\\{share}", "E:\\Backups\\{whost}", "C:\\Reports", "%USERPROFILE%\\Documents",
                       "C:\\Users\\{user}\\Downloads", "D:\\{share}\\{word}"});
  t.add_list("lhome", {"/home/{luser}", "~", "/root", "/home/{luser}/{proj}", "/srv/{proj}", "/opt/{proj}",
                       "/var/www/{proj}", "/Users/{first}", "/data/{proj}", "/tmp/{proj}"});
  t.add_list("ltemp", {"/tmp", "/var/tmp", "/dev/shm", "/tmp/.{hex4}", "/home/{luser}/.cache",
                       "/run/user/{#1000-1010}"});
  t.add_list("mnt", {"/mnt/windows", "/mnt/c", "/media/{luser}/OS", "/mnt/disk{#1-4}", "/mnt/ntfs",
                     "/media/{luser}/{hex8}"});
  t.add_list("shadow", {"\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy{#1-30}"});
  t.add_list("hklm", {"HKLM", "HKLM", "HKEY_LOCAL_MACHINE"});
  t.add_list("hkcu", {"HKCU", "HKCU", "HKEY_CURRENT_USER"});
  t.add_list("q", {"", "\""});
  t.add_list("sq", {"", "'"});

  // Software and services.
  t.add_list("vendor", {"Adobe",   "Google",    "Mozilla", "Microsoft", "Oracle", "JetBrains", "Zoom",
                        "Slack",   "Notepad++", "7-Zip",   "VideoLAN",  "Citrix", "VMware",    "Dropbox",
                        "Spotify", "Logitech",  "Dell",    "Lenovo",    "HP",     "Canon",     "TeamViewer",
                        "Python",  "Git",       "Docker",  "{dom}"});
  t.add_list("product", {"Acrobat", "Chrome", "Firefox",   "Office",   "Teams",       "Outlook", "Reader",
                         "Update",  "Client", "Agent",     "Settings", "Preferences", "Toolbox", "Desktop",
                         "Player",  "Viewer", "Workspace", "Sync",     "Launcher",    "Helper"});
  t.add_list("valname", {"Version", "InstallPath", "AutoUpdate", "Language", "LastRun", "Theme", "Enabled",
                         "ProxyServer", "Telemetry", "WindowPos", "RecentFiles", "DefaultPrinter"});
  t.add_list(
      "wsvc",
      {"Spooler",        "wuauserv", "BITS",     "W32Time",           "Dnscache", "LanmanServer", "WinRM",
       "MSSQLSERVER",    "Tomcat9",  "W3SVC",    "Audiosrv",          "Themes",   "TermService",  "DHCP",
       "SQLSERVERAGENT", "vmtools",  "Schedule", "LanmanWorkstation", "CryptSvc", "iphlpsvc"});
  t.add_list(
      "lsvc",
      {"nginx",        "apache2",         "postgresql",    "docker",         "ssh",        "cron",
       "redis-server", "mysql",           "node_exporter", "grafana-server", "containerd", "kubelet",
       "php8.2-fpm",   "rabbitmq-server", "elasticsearch", "haproxy",        "chrony",     "nfs-server",
       "smbd",         "jenkins"});
  t.add_list("wapp", {"notepad.exe", "mspaint.exe", "calc.exe", "winword.exe", "excel.exe", "outlook.exe",
                      "chrome.exe", "firefox.exe", "msedge.exe", "Teams.exe", "code.exe", "explorer.exe",
                      "powerpnt.exe", "onenote.exe", "slack.exe", "zoom.exe", "AcroRd32.exe", "mstsc.exe"});
  t.add_list("apt", {"nginx",
                     "curl",
                     "git",
                     "htop",
                     "vim",
                     "python3-pip",
                     "build-essential",
                     "jq",
                     "tmux",
                     "postgresql-client",
                     "unzip",
                     "docker.io",
                     "openjdk-17-jdk",
                     "nodejs",
                     "rsync",
                     "tree",
                     "ripgrep",
                     "net-tools",
                     "ca-certificates",
                     "libssl-dev",
                     "ffmpeg",
                     "imagemagick"});
  t.add_list("pip", {"requests", "numpy", "pandas", "flask", "django", "pytest", "black", "boto3", "pyyaml",
                     "sqlalchemy", "fastapi", "uvicorn", "scikit-learn", "matplotlib", "jinja2", "click"});
  t.add_list("npm", {"react", "express", "typescript", "lodash", "axios", "webpack", "eslint", "jest", "vite",
                     "prettier", "next", "vue", "dotenv", "nodemon", "mocha", "chalk"});
  t.add_list("image", {"nginx:1.25", "postgres:16", "redis:7", "python:3.12-slim", "node:20-alpine",
                       "ubuntu:22.04", "alpine:3.19", "grafana/grafana", "prom/prometheus", "mysql:8",
                       "{dom}/{proj}:{#1-9}.{#0-20}.{#0-9}", "registry.{dnsdomain}/{proj}:latest"});
  t.add_list("branch", {"main", "master", "develop", "feature/{word}-{#1-999}", "bugfix/{word}",
                        "release/{#1-9}.{#0-20}", "hotfix/{#100-999}", "{first}/{word}"});
  // Tools and their names as the templates spell them.
  t.add_list("reg", {"reg", "reg", "reg.exe", "REG", "C:\\Windows\\System32\\reg.exe"});
  t.add_list("ps", {"powershell", "powershell.exe", "pwsh", "powershell -nop", "powershell.exe -NoProfile",
                    "powershell -ExecutionPolicy Bypass", "powershell -w hidden -nop", "pwsh -NoLogo",
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"});
  t.add_list("hivefile", {"{fname}{|.hiv|.save|.bak|.dat|.tmp|.bin|.txt|.log}",
                          "{sam|sys|sec|s|y|h|reg|hive}{|1|2|_{#1-99}}{|.hiv|.save|.bak|.dat}"});
  t.add_list("lmhash", {"aad3b435b51404eeaad3b435b51404ee", "aad3b435b51404eeaad3b435b51404ee", "{hex32}"});
  t.add_list("aproc",
             {"reg.exe", "powershell.exe", "cmd.exe", "rundll32.exe", "{fname}.exe", "{hex8}.exe",
              "python.exe", "wmiprvse.exe", "regsvr32.exe", "mshta.exe", "pwsh.exe", "{word}{#1-99}.exe"});
  t.add_list("task", {"{word}{#1-99}", "{Updater|Sync|Maint|Cleanup|Helper}{#1-99}",
                      "\\Microsoft\\Windows\\{word}", "{hex8}"});
  t.add_list("backupapp", {"{Veeam|Acronis|Macrium|Duplicati|Cobian|Arcserve|UrBackup|{dom}}\\{Agent|Backup|"
                           "BackupClient|Endpoint}"});
  t.add_list("backupproc", {"VeeamAgent.exe", "TrueImage.exe", "ReflectBin.exe", "Duplicati.Server.exe",
                            "urbackup_client.exe", "CobianBackup.exe", "{dom}backup.exe", "wbengine.exe"});
  t.add_list("secsvc",
             {"WinDefend", "Sense", "wscsvc", "SecurityHealthService", "MsMpSvc", "Sysmon64", "Sysmon",
              "WdNisSvc", "SepMasterService", "McAfeeFramework", "CylanceSvc", "elastic-agent", "osqueryd",
              "WazuhSvc", "CSFalconService", "EventLog", "mpssvc", "SentinelAgent"});
  t.add_list("secproc",
             {"MsMpEng.exe", "Sysmon64.exe", "SenseCE.exe", "MsSense.exe", "elastic-agent.exe",
              "osqueryd.exe", "wazuh-agent.exe", "ccSvcHst.exe", "CylanceSvc.exe", "SentinelAgent.exe"});
  t.add_list("auditcat", {"Logon/Logoff", "Detailed Tracking", "Object Access", "Policy Change",
                          "Account Management", "Privilege Use", "System", "Account Logon", "DS Access"});
  t.add_list("evlog", {"Security", "System", "Application", "Setup", "\"Windows PowerShell\"",
                       "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-PowerShell/Operational",
                       "Microsoft-Windows-TaskScheduler/Operational",
                       "Microsoft-Windows-Windows Defender/Operational"});
  t.add_list("adminuser", {"adm-{first}", "{first}.admin", "administrator", "{first}-da", "admin{#1-9}"});
}

}  // namespace attune::data::gen
