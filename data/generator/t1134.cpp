// T1134, access token manipulation: running code under another security context by duplicating, stealing
// or forging access tokens — runas with network-only credentials, token theft and impersonation in
// post-exploitation frameworks, the token APIs themselves, enabling powerful privileges, named-pipe
// impersonation ("potato"-style SYSTEM escalation) and parent-process spoofing. Plus benign hard negatives.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_t1134(TemplateSet& s) {
  const std::string& L = kT1134;
  s.add(
      L, "runas", Kind::kCommand,
      {R"x(runas{|.exe} /netonly /user:{domain}\{user} {q@1}{cmd.exe|powershell.exe|mmc.exe|{wtemp}\{fname}.exe}{q@1})x",
       R"x(runas /netonly /user:{dnsdomain}\{user} "{ps} -nop -w hidden")x",
       R"x(runas /user:{domain}\{user} /savecred "{cmd /c {wtemp}\{fname}.bat|{wtemp}\{fname}.exe}")x",
       R"x(runas /trustlevel:0x{20000|40000} "{wtemp}\{fname}.exe")x"});
  s.add(
      L, "c2", Kind::kLog,
      {R"x(beacon> make_token {domain}\{user} {pass})x", R"x(beacon> steal_token {pid})x",
       R"x(beacon> {rev2self|getprivs|getsystem})x", R"x([*] Impersonated {domain}\{user}{| (pid {pid})})x",
       R"x([+] Successfully impersonated {NT AUTHORITY\SYSTEM|{domain}\{user}})x",
       R"x(meterpreter > {load incognito|list_tokens -u|list_tokens -g|getsystem|steal_token {pid}|rev2self})x",
       R"x(meterpreter > impersonate_token "{domain}\\{user}")x",
       R"x(impersonate_token "NT AUTHORITY\\SYSTEM")x",
       R"x(incognito.exe {execute -c "{domain}\{user}" cmd.exe|list_tokens -u|add_user {user} {pass}})x"});
  s.add(
      L, "mimikatz", Kind::kLog,
      {R"x(mimikatz # token::elevate{| /domainadmin| /user:{user}})x",
       R"x({mimikatz.exe|.\m.exe} "privilege::debug" "token::elevate" {exit|"exit"})x",
       R"x(mimikatz # token::list{| /user:{user}})x",
       R"x(Token Id : {#0-2000} User name : {domain}\{user} SID name : {NT AUTHORITY\SYSTEM|{domain}\{user}} -> Impersonated !)x"});
  s.add(
      L, "tools", Kind::kCommand,
      {R"x({PrintSpoofer|PrintSpoofer64|GodPotato|SweetPotato|JuicyPotato|RoguePotato}.exe {-i -c cmd|-cmd "cmd /c whoami"|-c "{wtemp}\{fname}.exe"})x",
       R"x({JuicyPotato|SweetPotato}.exe -t * -p C:\Windows\System32\cmd.exe -l {#1000-65000}{| -c {lb}{guid}{rb}})x",
       R"x(Invoke-TokenManipulation -{ImpersonateUser -Username "{domain}\{user}"|Enumerate|CreateProcess "cmd.exe" -ProcessId {pid}|RevToSelf})x",
       R"x({ps} -c "Invoke-TokenManipulation -ImpersonateUser -Username 'NT AUTHORITY\SYSTEM'")x",
       R"x({fname}.exe --steal-token {pid} --exec cmd.exe)x",
       R"x(SelectMyParent.exe {wtemp}\{fname}.exe {pid})x",
       R"x({ps} -c "$t=[System.Security.Principal.WindowsIdentity]::new($h); $c=$t.Impersonate()")x",
       R"x([System.Security.Principal.WindowsIdentity]::RunImpersonated($token, [Action]{lb} Start-Process cmd.exe {rb}))x",
       R"x(Enable-Privilege {SeDebugPrivilege|SeImpersonatePrivilege|SeAssignPrimaryTokenPrivilege|SeTcbPrivilege})x"});
  s.add(
      L, "api", Kind::kLog,
      {R"x(process={aproc} pid={pid} api=OpenProcessToken target={lsass.exe|winlogon.exe|services.exe} access=TOKEN_DUPLICATE{||TOKEN_QUERY})x",
       R"x(process={aproc} pid={pid} api=DuplicateTokenEx src_pid={pid} level=SecurityImpersonation type=Token{Primary|Impersonation})x",
       R"x(process={aproc} api=ImpersonateLoggedOnUser token=0x{hex4} result=TRUE)x",
       R"x(process={aproc} pid={pid} api=CreateProcessWithTokenW app=C:\Windows\System32\{cmd.exe|WindowsPowerShell\v1.0\powershell.exe} flags=LOGON_WITH_PROFILE)x",
       R"x(process={aproc} api=SetThreadToken thread={#100-20000} token=0x{hex4})x",
       R"x(process={aproc} api=AdjustTokenPrivileges privilege={SeDebugPrivilege|SeImpersonatePrivilege|SeTcbPrivilege} enabled=true)x",
       R"x(process={aproc} api=LogonUserW user={user} domain={domain} type=LOGON32_LOGON_NEW_CREDENTIALS)x",
       R"x(process={aproc} pid={pid} api=ImpersonateNamedPipeClient pipe=\\.\pipe\{word}{hex4})x",
       R"x(process={aproc} api=UpdateProcThreadAttribute attribute=PROC_THREAD_ATTRIBUTE_PARENT_PROCESS parent_pid={pid})x",
       R"x(process={aproc} api=NtSetInformationProcess class=ProcessAccessToken target_pid={pid})x",
       R"x(process={aproc} api=CreateProcessAsUserW token=duplicated app=C:\Windows\System32\cmd.exe session={#0-3})x"});
  s.add(
      L, "event", Kind::kLog,
      {R"x(EventID=4624 LogonType=9 LogonProcessName=seclogo AuthenticationPackageName=Negotiate TargetUserName={user} TargetOutboundUserName={user})x",
       R"x(EventID=4703 A token right was adjusted. EnabledPrivilegeList=SeDebugPrivilege ProcessName={aproc})x",
       R"x(EventID=4672 Special privileges assigned to new logon. SubjectUserName={user} PrivilegeList=SeImpersonatePrivilege SeDebugPrivilege)x",
       R"x(EventID=1 Image=C:\Windows\System32\cmd.exe ParentImage=C:\Windows\explorer.exe ParentProcessId={pid} IntegrityLevel=System User=NT AUTHORITY\SYSTEM note=parent spoofed)x",
       R"x(A process running as {user} duplicated the token of {winlogon.exe|lsass.exe|services.exe} and spawned cmd.exe as SYSTEM.)x",
       R"x(cmd.exe was launched on {whost} with explorer.exe (PID {pid}) set as its spoofed parent process.)x",
       R"x(Named pipe impersonation was used to obtain a SYSTEM token on {whost}.)x",
       R"x(User {user} started a process with network-only credentials for {domain}\{user}.)x",
       R"x(A thread in {aproc} began impersonating the security context of {domain}\{user}.)x"});

  const std::string& B = kBenign;
  s.add(
      B, "runas", Kind::kCommand,
      {R"x(runas /user:{domain}\{adminuser} "mmc.exe {compmgmt.msc|dsa.msc|services.msc|gpmc.msc|eventvwr.msc}")x",
       R"x(runas /user:{whost}\administrator {cmd|"notepad C:\Windows\System32\drivers\etc\hosts"})x",
       R"x(runas /profile /user:{domain}\{user} "{wapp}")x",
       R"x(whoami{| /priv| /groups| /user| /fqdn| /upn})x",
       R"x({sudo -u {luser}|sudo -i|sudo} {systemctl restart {lsvc}|-s|crontab -l|ls /var/log/{lsvc}})x",
       R"x(su - {luser})x", R"x(Start-Process {powershell|cmd|"{wapp}"} -Verb RunAs)x",
       R"x(Start-Process -FilePath "{wapp}" -Credential (Get-Credential))x",
       R"x(schtasks /create /tn "{vendor} {product} Update" /tr "C:\Program Files\{vendor}\{product}\update.exe" /sc daily /st {#00-23}:00 /ru SYSTEM)x",
       R"x(tasklist /v /fi "USERNAME eq {domain}\{user}")x",
       R"x(Get-Process -IncludeUserName{| | Where-Object UserName -like '*{user}*'})x",
       R"x(sc query seclogon)x"},
      L);
  s.add(
      B, "api", Kind::kLog,
      {R"x(process={wapp} pid={pid} api=OpenProcessToken target=self access=TOKEN_QUERY)x",
       R"x(process={wapp} api=GetTokenInformation class={TokenElevation|TokenUser|TokenGroups})x",
       R"x(process={shutdown.exe|winlogon.exe|w32tm.exe} api=AdjustTokenPrivileges privilege={SeShutdownPrivilege|SeSystemtimePrivilege|SeChangeNotifyPrivilege} enabled=true)x",
       R"x(process={wapp} pid={pid} api=CreateProcessW app={wapp} parent_pid={pid})x",
       R"x(process=svchost.exe api=LogonUserW user={user} domain={domain} type=LOGON32_LOGON_INTERACTIVE)x"},
      L);
  s.add(
      B, "event", Kind::kLog,
      {R"x(EventID=4624 LogonType={2|3|10|11} LogonProcessName={User32|NtLmSsp|Kerberos|Advapi} TargetUserName={user} WorkstationName={whost})x",
       R"x(EventID=4634 An account was logged off. TargetUserName={user} LogonType={2|3|10})x",
       R"x(User {user} opened Computer Management with administrator credentials via runas.)x",
       R"x(The scheduled task "{vendor} {product} Update" ran as SYSTEM on {whost} and exited with code 0.)x"},
      L);
}

}  // namespace attune::data::gen
