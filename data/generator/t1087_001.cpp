// T1087.001, account discovery: local account. Listing the accounts and groups defined on one machine
// (net, PowerShell's local-accounts cmdlets, WMI's user class, /etc/passwd and NSS, macOS directory
// services), plus benign hard negatives built from the same tools.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_t1087_001(TemplateSet& s) {
  const std::string& L = kT1087_001;
  s.add(
      L, "net", Kind::kCommand,
      {R"x({net|net.exe|net1} user)x", R"x({net|net.exe|net1} user {user}{| > {wtemp}\{fname}.txt})x",
       R"x({net|net1} localgroup{| > {wtemp}\{fname}.txt})x",
       R"x({net|net.exe} localgroup {administrators|Administrators|"Remote Desktop Users"|"Backup Operators"|"Remote Management Users"|Users})x",
       R"x(cmd{|.exe} /c "net user & net localgroup administrators")x",
       R"x(cmd /c net user > {wtemp}\{fname}.txt 2>&1)x", R"x(dir C:\Users{| /b| /a})x"});
  s.add(
      L, "powershell", Kind::kCommand,
      {R"x(Get-LocalUser{| | Select-Object Name, Enabled, LastLogon| | Where-Object -Property Enabled -eq $true| | Format-Table -AutoSize})x",
       R"x(Get-LocalGroupMember -Group {Administrators|"Remote Desktop Users"|Users|"Remote Management Users"})x",
       R"x(Get-LocalGroup | ForEach-Object {lb} Get-LocalGroupMember -Group $_.Name {rb})x",
       R"x({ps} -c "Get-LocalUser | Select-Object Name,SID,PasswordLastSet")x",
       R"x(Get-CimInstance -ClassName Win32_UserAccount -Filter "LocalAccount=True"{| | Select-Object Name, SID, Disabled})x",
       R"x(Get-WmiObject -Class Win32_UserAccount{| -Filter "LocalAccount='True'"} | Format-Table Name, SID)x",
       R"x(([ADSI]"WinNT://$env:COMPUTERNAME").Children | Where-Object {lb} $_.SchemaClassName -eq 'user' {rb} | Select-Object Name)x",
       R"x(Get-ChildItem C:\Users{| -Force| | Select-Object Name})x",
       R"x(Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\*' | Select-Object ProfileImagePath)x"});
  s.add(L, "wmi", Kind::kCommand,
        {R"x(wmic useraccount get {name,sid|name,sid,disabled|name,fullname,status|/all}{| /format:list})x",
         R"x(wmic useraccount where "LocalAccount=True" get Name,SID{|,Disabled})x",
         R"x(wmic {/node:{ip}|/node:{whost}} useraccount list brief)x", R"x(wmic group list {brief|full})x"});
  s.add(L, "linux", Kind::kCommand,
        {R"x({cat|less|more|head -n {#5-60}|tail -n {#5-30}} /etc/passwd)x",
         R"x(getent passwd{| {luser}| | cut -d: -f1})x", R"x(cut -d: -f1 /etc/passwd{| | sort})x",
         R"x(awk -F: '$3 >= 1000 {lb}print $1{rb}' /etc/passwd)x",
         R"x(grep -v {nologin|false|'/usr/sbin/nologin'} /etc/passwd)x", R"x(compgen -u{| | sort -u})x",
         R"x(id {luser})x", R"x(getent group {sudo|wheel|adm|docker|admin})x",
         R"x(cat /etc/group{| | grep {sudo|wheel|docker}})x", R"x(ls {-la |}/home)x",
         R"x(lastlog{| -u {luser}})x"});
  s.add(
      L, "macos", Kind::kCommand,
      {R"x(dscl . {list|-list} /Users{| | grep -v '^_'})x",
       R"x(dscl . -read /Users/{first}{| RealName UniqueID})x", R"x(dscacheutil -q user{| -a name {first}})x",
       R"x(dscl . {list|-list} /Groups{| PrimaryGroupID})x", R"x(ls /Users)x"});
  s.add(L, "api", Kind::kLog,
        {R"x(process={aproc} pid={pid} api=NetUserEnum level={0|1|2} filter=FILTER_NORMAL_ACCOUNT)x",
         R"x(process={aproc} api=NetLocalGroupGetMembers group={Administrators|Users} level={1|2})x",
         R"x(process={aproc} api=NetLocalGroupEnum level=1 server=null)x",
         R"x(process={aproc} pid={pid} api=SamrEnumerateUsersInDomain domain=Builtin)x"});
  s.add(
      L, "event", Kind::kLog,
      {R"x(EventID=1 Image=C:\Windows\System32\{net|net1}.exe CommandLine="{net|net1} {user|localgroup administrators}" User={domain}\{user})x",
       R"x(EventID=4798 A user's local group membership was enumerated. TargetUserName={user} CallerProcessName={aproc})x",
       R"x(EventID=4799 A security-enabled local group membership was enumerated. Group=Administrators CallerProcessName={aproc})x",
       R"x(type=SYSCALL comm="cat" exe="/usr/bin/cat" name="/etc/passwd" auid={#1000-1010} key="account_discovery")x",
       R"x(The user {user} ran a new command prompt that queried the C:\Users directory.)x",
       R"x(A script on {whost} listed every local user account and its last logon time.)x",
       R"x(User {luser} on {lhost} read the local passwd database to list accounts.)x",
       R"x(The members of the local Administrators group on {whost} were listed by {user}.)x"});

  const std::string& B = kBenign;
  s.add(
      B, "net", Kind::kCommand,
      {R"x({net|net.exe} {start|stop} {"{wsvc}"|{wsvc}})x", R"x(net time \\{whost}{| /set /y})x",
       R"x(net use {E|F|G|H|Z}: \\{whost}\{share}{| /persistent:yes})x",
       R"x(dir C:\Users\{user}\{Documents|Desktop|Downloads}{| /s}{| *.{docext}})x",
       R"x(Get-ChildItem C:\Users\{user}\Documents -Filter *.{docext})x",
       R"x(Set-LocalUser -Name {user} -PasswordNeverExpires $false)x",
       R"x(wmic {os get caption,version|logicaldisk get name,size,freespace|cpu get name|bios get serialnumber})x",
       R"x(Get-CimInstance -ClassName Win32_{OperatingSystem|LogicalDisk|Processor|BIOS})x"},
      L);
  s.add(B, "linux", Kind::kCommand,
        {R"x(cat /etc/{hosts|os-release|resolv.conf|fstab|hostname})x", R"x(getent hosts {fqdn})x",
         R"x(ls -la /home/{luser}/{proj})x", R"x(awk -F, '{lb}print $2{rb}' {lhome}/{fname}.csv)x",
         R"x(cut -d, -f{1|2|3} {lhome}/{fname}.csv | sort | uniq -c)x",
         R"x(grep -r "{word}" {lhome}/{proj}/src)x",
         R"x(dscacheutil -flushcache{|; sudo killall -HUP mDNSResponder})x", R"x(passwd)x"},
        L);
}

}  // namespace attune::data::gen
