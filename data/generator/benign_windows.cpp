// General benign activity on Windows: administration, development, backup, package management, file
// operations, office and browser use, scheduled maintenance and monitoring (cmd, PowerShell, WMI).
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_benign_windows(TemplateSet& s) {
  const std::string& B = kBenign;
  s.add(B, "win_admin", Kind::kCommand,
        {R"x(ipconfig /all{| > {wdocs}\{fname}.txt})x",
         R"x(systeminfo{| | findstr /B /C:"OS Name" /C:"OS Version"})x",
         R"x(gpupdate /force{| /target:{computer|user}})x",
         R"x(gpresult /r{| /scope:{user|computer}})x",
         R"x(sfc /scannow)x",
         R"x(DISM /Online /Cleanup-Image /{RestoreHealth|ScanHealth|CheckHealth})x",
         R"x(chkdsk {drive}: {/f|/scan|/r})x",
         R"x(shutdown /r /t {0|60|300}{| /c "{vendor} {product} update"})x",
         R"x(hostname)x",
         R"x(tasklist{| /svc| /fi "IMAGENAME eq {wapp}"})x",
         R"x(w32tm /{resync|query /status|query /source})x",
         R"x(winget {install|upgrade} --id {vendor}.{product}{| --silent})x",
         R"x(choco {install|upgrade} {apt} -y)x",
         R"x(msiexec /i {wdocs}\{vendor}{product}.msi /qn{| /norestart}{| /l*v {wdocs}\{fname}.log})x",
         R"x(wusa {wdocs}\windows10.0-kb{#4000000-5999999}-x64.msu /quiet /norestart)x",
         R"x(powercfg /{batteryreport|energy|list|setactive SCHEME_BALANCED})x",
         R"x(bcdedit /enum{| {lb}current{rb}})x",
         R"x(diskpart /s {wdocs}\{fname}.txt)x",
         R"x(mstsc /v:{whost}{| /admin})x",
         R"x(certutil -{hashfile {wdocs}\{fname}.{docext} SHA256|viewstore -user My|store My})x",
         R"x(schtasks /query /fo LIST /v{| /tn "{vendor} {product} Update"})x",
         R"x(schtasks /run /tn "{vendor}\{product} Maintenance")x",
         R"x(icacls {wdocs}\{fname} /grant {domain}\{user}:{R|M|F}{| /t})x",
         R"x(takeown /f {wdocs}\{fname}.{docext})x",
         R"x(setx {JAVA_HOME|PYTHONPATH|GOPATH} "{wdocs}")x",
         R"x(where {git|python|node|java|code})x",
         R"x(explorer.exe {wdocs})x",
         R"x(start {wapp})x"});
  s.add(
      B, "win_files", Kind::kCommand,
      {R"x(copy {wdocs}\{fname}.{docext} {wdocs}\{fname}.{docext})x",
       R"x(xcopy {wdocs} {wdocs} /{E|S} /{I|Y}{| /D})x",
       R"x(robocopy {wdocs} \\{whost}\{share}\{user} /{MIR|E|Z} /R:{#1-5} /W:{#1-10}{| /LOG:{wdocs}\{fname}.log})x",
       R"x(move {wdocs}\{fname}.{docext} {wdocs}\{word}\)x", R"x(del /q {wdocs}\{fname}.{tmp|bak|log})x",
       R"x(mkdir {wdocs}\{word}{#1-99})x", R"x(dir {wdocs}{| /s| /b| /o:d}{| *.{docext}})x",
       R"x(type {wdocs}\{fname}.{txt|log|csv})x", R"x(findstr /{i|s|n} "{word}" {wdocs}\*.{txt|log|csv})x",
       R"x(tar -{cf|xf} {wdocs}\{fname}.tar {wdocs}\{word})x",
       R"x("C:\Program Files\7-Zip\7z.exe" {a|x} {wdocs}\{fname}.{zip|7z} {wdocs}\{word})x",
       R"x(attrib {+r|-r|+h|-h} {wdocs}\{fname}.{docext})x",
       R"x(fc {wdocs}\{fname}.txt {wdocs}\{fname}.txt)x"});
  s.add(
      B, "win_powershell", Kind::kCommand,
      {R"x(Get-Process{| | Sort-Object CPU -Descending | Select-Object -First {#3-20}| -Name {chrome|Teams|outlook|code}})x",
       R"x(Get-Service{| -Name {wsvc}| | Where-Object Status -eq Running})x",
       R"x(Get-ChildItem -Path {wdocs} -Recurse -Filter *.{docext}{| | Measure-Object -Property Length -Sum})x",
       R"x(Get-Content {wdocs}\{fname}.{log|txt} -Tail {#10-200}{| -Wait})x",
       R"x(Copy-Item -Path {wdocs}\{fname}.{docext} -Destination \\{whost}\{share}\)x",
       R"x(Compress-Archive -Path {wdocs}\{word} -DestinationPath {wdocs}\{fname}.zip{| -Force})x",
       R"x(Expand-Archive -Path {wdocs}\{fname}.zip -DestinationPath {wdocs}\{word})x",
       R"x(Install-Module -Name {PSReadLine|Pester|Az|PSWindowsUpdate|ImportExcel} -Scope CurrentUser{| -Force})x",
       R"x(Get-WindowsUpdate{| -Install -AcceptAll})x",
       R"x(Invoke-WebRequest -Uri https://{site}/{fname}.{zip|msi|json} -OutFile {wdocs}\{fname}.{zip|msi|json})x",
       R"x(Test-Path {wdocs}\{fname}.{docext})x",
       R"x(Get-Disk | Get-Partition | Select-Object DriveLetter, Size)x",
       R"x(Get-Volume{| -DriveLetter {drive}})x",
       R"x(Get-HotFix{| | Sort-Object InstalledOn -Descending})x",
       R"x(Restart-Computer -ComputerName {whost}{| -Force})x",
       R"x(Get-ADUser -Identity {user} -Properties {LastLogonDate|Department|Title})x",
       R"x(New-Item -ItemType Directory -Path {wdocs}\{word}{#1-99})x",
       R"x(Import-Csv {wdocs}\{fname}.csv | Export-Csv {wdocs}\{fname}.csv -NoTypeInformation)x",
       R"x(Get-CimInstance -ClassName Win32_{Product|Service|DiskDrive|NetworkAdapterConfiguration}{| | Select-Object Name})x",
       R"x({ps} -File {wdocs}\{deploy|cleanup|build|report}.ps1{| -Environment {dev|staging|prod}})x",
       R"x({ps} -NoProfile -EncodedCommand {b64})x"});
  s.add(
      B, "win_dev", Kind::kCommand,
      {R"x(git {clone https://{site}/{dom}/{proj}.git|pull{| origin {branch}}|fetch --all|status|log --oneline -n {#5-50}})x",
       R"x(git {checkout|switch} {-b |}{branch})x",
       R"x(git commit -m "{Fix|Add|Update|Refactor|Remove} {word} {word}")x",
       R"x(dotnet {build|test|run|publish -c Release}{| {wdocs}\{proj}.csproj})x",
       R"x(msbuild {proj}.sln /p:Configuration={Release|Debug}{| /m})x",
       R"x(npm {install|ci|run build|run test|start})x",
       R"x(python -m {pip install {pip}|venv .venv|pytest|http.server {#8000-9000}})x",
       R"x(code {wdocs}{| --new-window})x",
       R"x(docker {ps|images|build -t {proj} .|compose up -d|pull {image}})x",
       R"x(wsl {--list --verbose|--update|--shutdown|-d Ubuntu})x",
       R"x(ssh {luser}@{lhost}{| -p {#22-2222}})x",
       R"x(scp {wdocs}\{fname}.{docext} {luser}@{lhost}:{lhome}/)x"});
  s.add(
      B, "win_office", Kind::kCommand,
      {R"x("C:\Program Files\Microsoft Office\root\Office16\{WINWORD|EXCEL|POWERPNT|OUTLOOK}.EXE"{| "{wdocs}\{fname}.{docx|xlsx|pptx}"})x",
       R"x("C:\Program Files\Google\Chrome\Application\chrome.exe" {--profile-directory="Default"|https://{site}/{word}|--new-window})x",
       R"x("C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" https://{site})x",
       R"x("C:\Program Files\Mozilla Firefox\firefox.exe" -{new-tab|private-window} https://{site})x",
       R"x("C:\Users\{user}\AppData\Local\Microsoft\Teams\current\Teams.exe"{| --processStart "Teams.exe"})x",
       R"x("C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe" "{wdocs}\{fname}.pdf")x",
       R"x(notepad.exe {wdocs}\{fname}.txt)x", R"x(mspaint.exe {wdocs}\{fname}.png)x",
       R"x(rundll32.exe shell32.dll,Control_RunDLL {desk.cpl|ncpa.cpl|appwiz.cpl|timedate.cpl})x",
       R"x(control {printers|admintools|/name Microsoft.{DevicesAndPrinters|ProgramsAndFeatures}})x"});
}

}  // namespace attune::data::gen
