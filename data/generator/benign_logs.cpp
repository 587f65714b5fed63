// General benign activity as log lines and sentences: API-call lines of ordinary processes, Sysmon-like
// process events, service and application logs, and plain-language descriptions of everyday work.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_benign_logs(TemplateSet& s) {
  const std::string& B = kBenign;
  s.add(
      B, "api", Kind::kLog,
      {R"x(process={wapp} pid={pid} api=CreateFileW path={wdocs}\{fname}.{docext} access=GENERIC_{READ|WRITE})x",
       R"x(process={wapp} api=ReadFile handle=0x{hex4} bytes={#1-65536})x",
       R"x(process={wapp} api=RegQueryValueExW key=HKCU\Software\{vendor}\{product} value={valname})x",
       R"x(process={wapp} pid={pid} api=connect remote={ip}:{443|80} proto=tcp)x",
       R"x(process={wapp} api=LoadLibraryW module={user32|gdi32|comctl32|winhttp|crypt32}.dll)x",
       R"x(process=svchost.exe api=CreateFileW path=C:\Windows\SoftwareDistribution\Download\{hex32} access=GENERIC_WRITE)x",
       R"x(process={wapp} api=GetUserNameW result=TRUE)x",
       R"x(process=msiexec.exe api=RegSetValueExW key=HKLM\SOFTWARE\{vendor}\{product} value=InstallPath)x"});
  s.add(
      B, "event", Kind::kLog,
      {R"x(EventID=1 Image=C:\Program Files\{vendor}\{product}\{product}.exe CommandLine="{product}.exe --{update|sync|background}" User={domain}\{user} ParentImage=C:\Windows\explorer.exe)x",
       R"x(EventID=1 Image=C:\Windows\System32\{ipconfig|systeminfo|gpupdate|tasklist}.exe User={domain}\{user} ParentImage=C:\Windows\System32\cmd.exe)x",
       R"x(EventID=3 Image={wapp} DestinationIp={ip} DestinationPort={443|80} Protocol=tcp)x",
       R"x(EventID=11 TargetFilename={wdocs}\{fname}.{docext} Image={wapp})x",
       R"x(EventID=4624 LogonType={2|7|11} TargetUserName={user} WorkstationName={whost} LogonProcessName=User32)x",
       R"x(EventID=7045 A service was installed in the system. ServiceName={vendor} {product} Service ImagePath="C:\Program Files\{vendor}\{product}\service.exe")x",
       R"x(EventID=19 WindowsUpdateClient Installation Successful: Windows successfully installed the following update: KB{#4000000-5999999})x",
       R"x({ts} {lhost} sshd[{pid}]: Accepted publickey for {luser} from {ip} port {#30000-65000} ssh2)x",
       R"x({ts} {lhost} CRON[{pid}]: ({luser}) CMD ({lhome}/{backup|cleanup|report}.sh))x",
       R"x({ts} {lhost} systemd[1]: Started {lsvc}.service.)x",
       R"x({ts} {lhost} kernel: [{#1-999999}.{#100000-999999}] EXT4-fs ({sda1|nvme0n1p2}): mounted filesystem with ordered data mode)x",
       R"x({ip} - - [{date}:{time} +0000] "GET /{word}/{fname} HTTP/1.1" {200|304|404} {#100-90000})x",
       R"x(type=USER_LOGIN msg=audit({#1600000000-1750000000}.{#100-999}:{#100-9999}): acct="{luser}" exe="/usr/sbin/sshd" hostname={ip} res=success)x"});
  s.add(B, "description", Kind::kLog,
        {R"x(User {user} opened {fname}.{docext} in {Word|Excel|Acrobat|Notepad} on {whost}.)x",
         R"x(The user {user} ran a new command prompt that listed the files in {wdocs}.)x",
         R"x({user} pushed {#1-20} commits to {branch} of {proj}.)x",
         R"x(The nightly backup of {whost} to \\{whost}\{share} completed successfully.)x",
         R"x(Windows Update installed KB{#4000000-5999999} on {whost} and scheduled a restart.)x",
         R"x(User {luser} installed {apt} with the package manager on {lhost}.)x",
         R"x(A scheduled task cleaned temporary files older than {#7-90} days on {whost}.)x",
         R"x(The monitoring agent on {lhost} reported CPU usage of {#1-99}% for {lsvc}.)x",
         R"x({user} joined a Teams meeting from {whost}.)x",
         R"x(The browser on {whost} downloaded {fname}.{zip|pdf|msi} from {site}.)x",
         R"x(User {luser} connected to {lhost} over SSH and restarted {lsvc}.)x",
         R"x(A container built from {image} was started on {lhost}.)x",
         R"x({user} printed {fname}.{docx|pdf} to the printer on {whost}.)x",
         R"x(The antivirus scan of {whost} finished with no threats found.)x"});
}

}  // namespace attune::data::gen
