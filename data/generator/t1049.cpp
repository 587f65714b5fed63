// T1049, system network connections discovery: listing the connections, listening sockets and network
// sessions of a machine (netstat, ss, lsof, the NetTCPIP cmdlets, SMB sessions, mapped shares), plus
// benign hard negatives that use the same networking tools for ordinary connectivity work.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_t1049(TemplateSet& s) {
  const std::string& L = kT1049;
  s.add(L, "netstat", Kind::kCommand,
        {R"x(netstat{|.exe} -{ano|an|nao|a|b|abno|anob|ona})x",
         R"x(netstat -an{|o} | {findstr|find} {ESTABLISHED|LISTENING|":{port}"|"{ip}"})x",
         R"x(cmd /c "netstat -ano > {wtemp}\{fname}.txt")x",
         R"x(netstat -{tulpn|antp|an|tnp|plunt|atn}{| | grep {ESTABLISHED|LISTEN|:{port}}})x",
         R"x(netstat -an -p tcp{| | grep ESTABLISHED})x", R"x(net {session|sessions}{| \\{whost}})x",
         R"x(net use)x", R"x(net file)x"});
  s.add(L, "linux", Kind::kCommand,
        {R"x(ss -{tunap|tanp|tp|antp|s|lntp|tulwn|o state established})x",
         R"x(ss -t{|n} state established{| '( dport = :{port} )'})x",
         R"x(lsof -i{| -P -n| -nP}{| | grep {ESTABLISHED|LISTEN}})x", R"x(lsof -i {:{port}|tcp|udp|@{ip}})x",
         R"x(lsof -nP -iTCP -sTCP:{ESTABLISHED|LISTEN})x", R"x(cat /proc/net/{tcp|tcp6|udp})x",
         R"x(who -a && ss -tp)x"});
  s.add(
      L, "powershell", Kind::kCommand,
      {R"x(Get-NetTCPConnection{| -State {Established|Listen}}{| | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,OwningProcess})x",
       R"x(Get-NetTCPConnection | Where-Object {lb} $_.RemotePort -eq {port} {rb})x",
       R"x(Get-NetUDPEndpoint{| | Select-Object LocalAddress,LocalPort})x",
       R"x(Get-SmbSession{| | Select-Object ClientComputerName,ClientUserName})x", R"x(Get-SmbConnection)x",
       R"x({ps} -c "Get-NetTCPConnection -State Established | Group-Object RemoteAddress")x",
       R"x(Get-CimInstance -Namespace root/StandardCimv2 -ClassName MSFT_NetTCPConnection)x",
       R"x(Get-NetTCPConnection -State Established | ForEach-Object {lb} Get-Process -Id $_.OwningProcess {rb})x"});
  s.add(
      L, "wmi", Kind::kCommand,
      {R"x(wmic /namespace:\\root\standardcimv2 path MSFT_NetTCPConnection get LocalPort,RemoteAddress,State)x",
       R"x(wmic netuse get {name,remotepath|localname,remotename,status|/all})x",
       R"x(wmic {/node:{whost}|/node:{ip}} path Win32_ServerSession get ComputerName,UserName)x"});
  s.add(
      L, "api", Kind::kLog,
      {R"x(process={aproc} pid={pid} api=GetExtendedTcpTable class=TCP_TABLE_OWNER_PID_ALL af=AF_INET{|6})x",
       R"x(process={aproc} api=GetTcpTable2 order=true)x",
       R"x(process={aproc} pid={pid} api=NetSessionEnum level={10|502} server=\\{whost})x",
       R"x(process={aproc} api=WNetEnumResourceW scope=RESOURCE_CONNECTED)x",
       R"x(process={aproc} api=GetExtendedUdpTable class=UDP_TABLE_OWNER_PID)x"});
  s.add(
      L, "event", Kind::kLog,
      {R"x(EventID=1 Image=C:\Windows\System32\NETSTAT.EXE CommandLine="netstat -{ano|an|b}" User={domain}\{user} ParentImage=C:\Windows\System32\cmd.exe)x",
       R"x(type=EXECVE argc=2 a0="ss" a1="-{tunap|tp|ant}" uid={#1000-1010} host={lhost})x",
       R"x(A script on {whost} listed all established TCP connections and their owning processes.)x",
       R"x(User {user} enumerated the active SMB sessions on {whost}.)x",
       R"x(A process on {lhost} read /proc/net/tcp to list open network connections.)x",
       R"x(The user {user} displayed the mapped network drives and remote connections of {whost}.)x"});

  const std::string& B = kBenign;
  s.add(B, "network", Kind::kCommand,
        {R"x(net use {E|F|G|H|Z}: \\{whost}\{share} /persistent:{yes|no})x",
         R"x(net use {E|F|Z}: /delete{| /y})x", R"x(ping {-n|-c} {#1-10} {fqdn})x",
         R"x(Test-NetConnection {fqdn} -Port {port})x", R"x(nslookup {fqdn}{| {ip}})x",
         R"x(curl -{I|sS|fsSL} https://{site}/{word})x", R"x(ipconfig {/all|/flushdns|/renew|/release})x",
         R"x(tracert {fqdn})x", R"x(Get-NetAdapter{| | Select-Object Name, Status, LinkSpeed})x",
         R"x(lsof {lhome}/{fname}.log)x", R"x(lsof +D /var/log/{lsvc})x", R"x(ss --version)x",
         R"x(docker port {proj}-{#1-9})x", R"x(kubectl port-forward svc/{proj} {#8000-9000}:{80|443|8080})x",
         R"x(ssh -L {#8000-9000}:localhost:{port} {luser}@{lhost})x", R"x(Resolve-DnsName {fqdn})x",
         R"x(dig +short {fqdn})x", R"x(nc -zv {lhost} {port})x"},
        L);
}

}  // namespace attune::data::gen
