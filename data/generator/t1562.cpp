// T1562, impair defenses: turning off or blinding the things that would notice an intrusion — antivirus
// real-time protection and its exclusions, security agents and their services, audit policy, event logs
// and command history, host firewalls, Sysmon and its driver, SELinux/AppArmor, auditd. Plus benign hard
// negatives: the same tools used to inspect, update, enable or restart those defenses.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_t1562(TemplateSet& s) {
  const std::string& L = kT1562;
  s.add(
      L, "defender", Kind::kCommand,
      {R"x({Set-MpPreference -DisableRealtimeMonitoring {$true|1}|{ps} -c "Set-MpPreference -DisableRealtimeMonitoring $true"})x",
       R"x({|{ps} -Command }Set-MpPreference -DisableIOAVProtection $true -DisableBehaviorMonitoring $true)x",
       R"x(Set-MpPreference -{DisableScriptScanning|DisableBlockAtFirstSeen|DisableArchiveScanning|DisableIntrusionPreventionSystem} {$true|1})x",
       R"x({Add-MpPreference -ExclusionPath {q@1}{wtemp}{q@1}|{ps} -c "Add-MpPreference -ExclusionPath '{wtemp}'"})x",
       R"x(Add-MpPreference -Exclusion{Extension {exe|dll|ps1}|Process {fname}.exe})x",
       R"x("%ProgramFiles%\Windows Defender\MpCmdRun.exe" -RemoveDefinitions -{All|DynamicSignatures})x",
       R"x({reg} add "HKLM\SOFTWARE\Policies\Microsoft\Windows Defender" /v {DisableAntiSpyware|DisableAntiVirus} /t REG_DWORD /d 1 /f)x",
       R"x({reg} add "HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Real-Time Protection" /v Disable{RealtimeMonitoring|BehaviorMonitoring|OnAccessProtection} /t REG_DWORD /d 1 /f)x",
       R"x(Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender' -Name DisableAntiSpyware -Value 1)x"});
  s.add(L, "services", Kind::kCommand,
        {R"x(sc{|.exe} stop {secsvc})x", R"x(sc{|.exe} config {secsvc} start= disabled)x",
         R"x(net stop {q@1}{secsvc}{q@1}{| /y})x",
         R"x(Stop-Service -Name {secsvc} -Force{| -ErrorAction SilentlyContinue})x",
         R"x(Set-Service -Name {secsvc} -StartupType Disabled)x", R"x(taskkill /f /im {secproc}{| /t})x",
         R"x(Get-Process -Name {MsMpEng|Sysmon64|SenseCE|elastic-agent|osqueryd} | Stop-Process -Force)x"});
  s.add(
      L, "audit", Kind::kCommand,
      {R"x(auditpol /clear /y)x",
       R"x(auditpol /set /category:"{auditcat}" /success:disable /failure:disable)x",
       R"x(auditpol /set /subcategory:"{Logon|Process Creation|Security State Change|Credential Validation}" /success:disable{| /failure:disable})x",
       R"x(auditpol /remove /allusers)x", R"x(wevtutil{|.exe} cl {evlog})x",
       R"x(wevtutil sl {evlog} /e:false)x",
       R"x(for /F "tokens=*" %1 in ('wevtutil.exe el') DO wevtutil.exe cl "%1")x",
       R"x(Clear-EventLog -LogName {Security|System|Application|"Windows PowerShell"})x",
       R"x(Remove-EventLog -LogName {word}{|; Limit-EventLog -LogName Security -MaximumSize 64KB})x",
       R"x([System.Diagnostics.Eventing.Reader.EventLogSession]::GlobalSession.ClearLog('{Security|System|Microsoft-Windows-Sysmon/Operational}'))x",
       R"x(logman {stop|delete} "{EventLog-Application|EventLog-System|EventLog-Security|Microsoft-Windows-Sysmon}" -ets)x",
       R"x(Set-ItemProperty -Path HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging -Name EnableScriptBlockLogging -Value 0)x",
       R"x([Ref].Assembly.GetType('System.Management.Automation.{AmsiUtils|'+'AmsiUtils}').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true))x"});
  s.add(
      L, "firewall", Kind::kCommand,
      {R"x(netsh advfirewall set {allprofiles|currentprofile|domainprofile|publicprofile} state off)x",
       R"x(netsh firewall set opmode {disable|mode=disable})x",
       R"x(Set-NetFirewallProfile -Profile {Domain,Public,Private|Domain|Public|Private} -Enabled False)x",
       R"x(netsh advfirewall firewall add rule name="{word}{#1-99}" dir=in action=allow program="{wtemp}\{fname}.exe" enable=yes)x"});
  s.add(L, "sysmon", Kind::kCommand,
        {R"x({sysmon|sysmon64|Sysmon64.exe|sysmon.exe} -u{| force})x", R"x(fltmc{|.exe} unload SysmonDrv)x",
         R"x(fltmc detach SysmonDrv {C:|D:})x",
         R"x({reg} delete HKLM\SYSTEM\CurrentControlSet\Services\SysmonDrv /f)x"});
  s.add(
      L, "linux", Kind::kCommand,
      {R"x({|sudo }setenforce {0|Permissive})x",
       R"x(sed -i 's/^SELINUX=enforcing/SELINUX=disabled/' /etc/selinux/config)x",
       R"x({|sudo }{systemctl stop auditd|service auditd stop|systemctl disable --now auditd})x",
       R"x({|sudo }auditctl -{D|e 0})x",
       R"x({|sudo }iptables {-F|--flush}{| && iptables -X}{| && iptables -P INPUT ACCEPT})x",
       R"x({|sudo }ufw disable)x",
       R"x({|sudo }systemctl {stop|disable} {firewalld|apparmor|falcon-sensor|wazuh-agent|osqueryd|rsyslog})x",
       R"x({|sudo }aa-teardown)x",
       R"x({|sudo }pkill -9 {auditd|falcon-sensor|osqueryd|wazuh-agentd|rsyslogd})x",
       R"x({unset HISTFILE|export HISTFILE=/dev/null|set +o history|export HISTSIZE=0})x",
       R"x({|sudo }systemctl mask {auditd|rsyslog|systemd-journald})x",
       R"x(sudo /usr/libexec/ApplicationFirewall/socketfilterfw --setglobalstate off)x",
       R"x(sudo launchctl unload /Library/LaunchDaemons/com.{dom}.{edr|agent|sensor}.plist)x",
       R"x(sudo defaults write /Library/Preferences/com.apple.alf globalstate -int 0)x"});
  s.add(
      L, "api", Kind::kLog,
      {R"x(process={aproc} pid={pid} api=ControlService service={secsvc} control=SERVICE_CONTROL_STOP)x",
       R"x(process={aproc} api=ChangeServiceConfigW service={secsvc} start_type=SERVICE_DISABLED)x",
       R"x(process={aproc} api=EvtClearLog channel={evlog})x",
       R"x(process={aproc} api=RegSetValueExW key=HKLM\SOFTWARE\Policies\Microsoft\Windows Defender value=DisableAntiSpyware data=1)x",
       R"x(process={aproc} api=FilterUnload name=SysmonDrv)x",
       R"x(process={aproc} pid={pid} api=WriteProcessMemory target=amsi.dll!AmsiScanBuffer size={#3-12})x",
       R"x(process={aproc} pid={pid} api=VirtualProtect target=ntdll.dll!EtwEventWrite protect=PAGE_EXECUTE_READWRITE)x"});
  s.add(
      L, "event", Kind::kLog,
      {R"x(EventID=1102 The audit log was cleared. SubjectUserName={user} SubjectDomainName={domain})x",
       R"x(EventID=104 The {System|Application|Windows PowerShell} log file was cleared. Channel={evlog})x",
       R"x(EventID=4719 System audit policy was changed. Category={auditcat} Changes=Success removed, Failure removed)x",
       R"x(EventID=5001 Microsoft Defender Antivirus Real-time Protection scanning for malware was disabled.)x",
       R"x(EventID=7040 The start type of the {secsvc} service was changed from auto start to disabled.)x",
       R"x(EventID=13 TargetObject=HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\DisableAntiSpyware Details=DWORD (0x00000001) Image={aproc})x",
       R"x(type=MAC_STATUS msg=audit({#1600000000-1750000000}.{#100-999}:{#100-9999}): enforcing=0 old_enforcing=1 auid={#0-1010})x",
       R"x(type=CONFIG_CHANGE msg=audit({#1600000000-1750000000}.{#100-999}:{#100-9999}): auid={#0-1010} op=remove_rule key=(null) list=4 res=1)x",
       R"x(Real-time protection was turned off on {whost} by {user}.)x",
       R"x(The Security event log on {whost} was cleared by {user}.)x",
       R"x(A script disabled the host firewall for all profiles on {whost}.)x",
       R"x(The auditd service was stopped on {lhost} by {luser}.)x",
       R"x(SELinux was switched to permissive mode on {lhost}.)x",
       R"x(The Sysmon driver was unloaded from {whost} shortly after {user} logged on.)x"});

  const std::string& B = kBenign;
  s.add(
      B, "defender", Kind::kCommand,
      {R"x(Get-MpPreference{| | Select-Object {ExclusionPath|SignatureUpdateInterval|ScanScheduleDay}})x",
       R"x(Get-MpComputerStatus{| | Select-Object AntivirusSignatureLastUpdated, RealTimeProtectionEnabled})x",
       R"x(Update-MpSignature{| -UpdateSource {MicrosoftUpdateServer|MMPC}})x",
       R"x(Start-MpScan -ScanType {QuickScan|FullScan|CustomScan -ScanPath {wdocs}})x",
       R"x(Set-MpPreference -{SignatureUpdateInterval {#1-24}|ScanScheduleDay {#0-7}|ScanAvgCPULoadFactor {#10-50}|CheckForSignaturesBeforeRunningScan $true})x",
       R"x("%ProgramFiles%\Windows Defender\MpCmdRun.exe" -{SignatureUpdate|Scan -ScanType {1|2}|GetFiles})x",
       R"x(sc{|.exe} query {WinDefend|{wsvc}|Sysmon64})x", R"x(sc {stop|start} {wsvc})x",
       R"x({Stop-Service|Start-Service|Restart-Service} -Name {wsvc}{| -Force})x",
       R"x(Set-Service -Name {wsvc} -StartupType {Manual|Automatic})x",
       R"x(net {stop|start} {q@1}{wsvc}{q@1})x", R"x(taskkill /f /im {wapp})x",
       R"x(Get-Service {WinDefend|Sysmon64|{wsvc}}{| | Select-Object Status, StartType})x"},
      L);
  s.add(
      B, "audit", Kind::kCommand,
      {R"x(auditpol /get /category:{*|"{auditcat}"})x", R"x(auditpol /backup /file:{wdocs}\{fname}.csv)x",
       R"x(auditpol /set /subcategory:"{Logon|Process Creation|File Share}" /success:enable /failure:enable)x",
       R"x(wevtutil qe {evlog} /c:{#1-100} /rd:true /f:text)x", R"x(wevtutil {el|gl {evlog}|gli {evlog}})x",
       R"x(wevtutil epl {evlog} {wdocs}\{fname}.evtx)x",
       R"x(Get-WinEvent -LogName {evlog} -MaxEvents {#1-500})x",
       R"x(Get-EventLog -LogName {System|Application} -Newest {#1-200}{| -EntryType Error})x",
       R"x(logman query{| -ets})x", R"x(fltmc {filters|instances|volumes})x",
       R"x(Sysmon64.exe -c{| C:\ProgramData\sysmon\sysmonconfig.xml})x"},
      L);
  s.add(
      B, "firewall", Kind::kCommand,
      {R"x(netsh advfirewall show {allprofiles|currentprofile})x",
       R"x(netsh advfirewall set allprofiles state on)x",
       R"x(netsh advfirewall firewall add rule name="{product} {port}" dir=in action=allow protocol=TCP localport={port})x",
       R"x(Set-NetFirewallProfile -Profile Domain,Public,Private -Enabled True)x",
       R"x(Get-NetFirewallProfile{| | Format-Table Name, Enabled})x",
       R"x(New-NetFirewallRule -DisplayName "{product}" -Direction Inbound -LocalPort {port} -Protocol TCP -Action Allow)x"},
      L);
  s.add(B, "linux", Kind::kCommand,
        {R"x({getenforce|sestatus|sudo setenforce 1|sudo setenforce Enforcing})x",
         R"x({|sudo }systemctl {status|restart|reload} {auditd|firewalld|apparmor|{lsvc}})x",
         R"x({|sudo }systemctl {stop|start|restart|enable --now} {lsvc})x", R"x({|sudo }auditctl -{l|s})x",
         R"x(sudo ausearch -m {USER_LOGIN|EXECVE|AVC} --start {today|recent})x",
         R"x(sudo aureport --{summary|auth|failed})x",
         R"x({|sudo }iptables -{L -n -v|S|L INPUT --line-numbers})x",
         R"x({|sudo }iptables -A INPUT -p tcp --dport {port} -j ACCEPT)x",
         R"x(sudo iptables-save > /etc/iptables/rules.v4)x",
         R"x({|sudo }ufw {allow {port}/tcp|status verbose|enable|reload})x",
         R"x(journalctl -u {lsvc} --since "{#1-12} hours ago")x",
         R"x(sudo journalctl --vacuum-time={#7-30}d)x", R"x(sudo logrotate -f /etc/logrotate.d/{lsvc})x",
         R"x(export {HISTSIZE={#1000-100000}|HISTCONTROL=ignoredups|HISTTIMEFORMAT="%F %T "})x",
         R"x(sudo aa-status)x"},
        L);
  s.add(
      B, "event", Kind::kLog,
      {R"x(EventID=7036 The {wsvc} service entered the {stopped|running} state.)x",
       R"x(EventID=2000 Microsoft Defender Antivirus security intelligence version updated to 1.{#380-420}.{#1-999}.0)x",
       R"x(EventID=1001 Microsoft Defender Antivirus scan has finished. Scan type: {Quick|Full} scan)x",
       R"x(The firewall rule for {product} on port {port} was added on {whost} by {user}.)x",
       R"x(The nightly job rotated the logs of {lsvc} on {lhost}.)x"},
      L);
}

}  // namespace attune::data::gen
