#include "inference/attack_names.h"

#include <map>

namespace attune::inference {

namespace {

const std::map<std::string, std::string>& names() {
  static const std::map<std::string, std::string> table = {
      {"T1003", "OS Credential Dumping"},
      {"T1003.002", "OS Credential Dumping: Security Account Manager"},
      {"T1003.008", "OS Credential Dumping: /etc/passwd and /etc/shadow"},
      {"T1007", "System Service Discovery"},
      {"T1016", "System Network Configuration Discovery"},
      {"T1018", "Remote System Discovery"},
      {"T1021", "Remote Services"},
      {"T1021.004", "Remote Services: SSH"},
      {"T1027", "Obfuscated Files or Information"},
      {"T1033", "System Owner/User Discovery"},
      {"T1040", "Network Sniffing"},
      {"T1046", "Network Service Discovery"},
      {"T1048", "Exfiltration Over Alternative Protocol"},
      {"T1049", "System Network Connections Discovery"},
      {"T1053", "Scheduled Task/Job"},
      {"T1053.003", "Scheduled Task/Job: Cron"},
      {"T1055", "Process Injection"},
      {"T1055.008", "Process Injection: Ptrace System Calls"},
      {"T1057", "Process Discovery"},
      {"T1059", "Command and Scripting Interpreter"},
      {"T1059.004", "Command and Scripting Interpreter: Unix Shell"},
      {"T1059.006", "Command and Scripting Interpreter: Python"},
      {"T1068", "Exploitation for Privilege Escalation"},
      {"T1069", "Permission Groups Discovery"},
      {"T1069.001", "Permission Groups Discovery: Local Groups"},
      {"T1070", "Indicator Removal"},
      {"T1070.003", "Indicator Removal: Clear Command History"},
      {"T1070.004", "Indicator Removal: File Deletion"},
      {"T1071", "Application Layer Protocol"},
      {"T1071.001", "Application Layer Protocol: Web Protocols"},
      {"T1082", "System Information Discovery"},
      {"T1083", "File and Directory Discovery"},
      {"T1087", "Account Discovery"},
      {"T1087.001", "Account Discovery: Local Account"},
      {"T1090", "Proxy"},
      {"T1090.001", "Proxy: Internal Proxy"},
      {"T1098", "Account Manipulation"},
      {"T1098.004", "Account Manipulation: SSH Authorized Keys"},
      {"T1105", "Ingress Tool Transfer"},
      {"T1110", "Brute Force"},
      {"T1110.001", "Brute Force: Password Guessing"},
      {"T1110.002", "Brute Force: Password Cracking"},
      {"T1113", "Screen Capture"},
      {"T1124", "System Time Discovery"},
      {"T1134", "Access Token Manipulation"},
      {"T1136", "Create Account"},
      {"T1136.001", "Create Account: Local Account"},
      {"T1140", "Deobfuscate/Decode Files or Information"},
      {"T1190", "Exploit Public-Facing Application"},
      {"T1201", "Password Policy Discovery"},
      {"T1222", "File and Directory Permissions Modification"},
      {"T1222.002",
       "File and Directory Permissions Modification: Linux and Mac File and Directory Permissions "
       "Modification"},
      {"T1489", "Service Stop"},
      {"T1505", "Server Software Component"},
      {"T1505.003", "Server Software Component: Web Shell"},
      {"T1518", "Software Discovery"},
      {"T1529", "System Shutdown/Reboot"},
      {"T1543", "Create or Modify System Process"},
      {"T1543.002", "Create or Modify System Process: Systemd Service"},
      {"T1547", "Boot or Logon Autostart Execution"},
      {"T1547.006", "Boot or Logon Autostart Execution: Kernel Modules and Extensions"},
      {"T1548", "Abuse Elevation Control Mechanism"},
      {"T1548.001", "Abuse Elevation Control Mechanism: Setuid and Setgid"},
      {"T1548.003", "Abuse Elevation Control Mechanism: Sudo and Sudo Caching"},
      {"T1552", "Unsecured Credentials"},
      {"T1552.001", "Unsecured Credentials: Credentials In Files"},
      {"T1552.004", "Unsecured Credentials: Private Keys"},
      {"T1560", "Archive Collected Data"},
      {"T1560.001", "Archive Collected Data: Archive via Utility"},
      {"T1562", "Impair Defenses"},
      {"T1562.001", "Impair Defenses: Disable or Modify Tools"},
      {"T1572", "Protocol Tunneling"},
      {"T1574", "Hijack Execution Flow"},
      {"T1574.006", "Hijack Execution Flow: Dynamic Linker Hijacking"},
      {"T1595", "Active Scanning"},
      {"T1595.003", "Active Scanning: Wordlist Scanning"},
  };
  return table;
}

}  // namespace

std::string attack_name(const std::string& label) {
  if (label == "Benign" || label == "Normal") return "no attack technique (ordinary activity)";
  if (label == "Z999") return "rare techniques grouped together (data.group_rare)";
  const auto& table = names();
  if (const auto it = table.find(label); it != table.end()) return it->second;
  const auto dot = label.find('.');
  if (dot != std::string::npos)
    if (const auto it = table.find(label.substr(0, dot)); it != table.end())
      return it->second + " (sub-technique " + label.substr(dot) + ")";
  return "";
}

}  // namespace attune::inference
