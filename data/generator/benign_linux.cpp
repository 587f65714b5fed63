// General benign activity on Linux and macOS shells: package management, git, docker and kubernetes,
// ssh, file operations, service administration, backups, scheduled maintenance and monitoring.
#include "data/generator/templates.h"

namespace attune::data::gen {

void add_benign_linux(TemplateSet& s) {
  const std::string& B = kBenign;
  s.add(B, "lin_packages", Kind::kCommand,
        {R"x({|sudo }apt{|-get} {install -y|install|remove|purge} {apt}{| {apt}})x",
         R"x({|sudo }apt{|-get} {update|upgrade -y|autoremove -y|full-upgrade -y})x",
         R"x({|sudo }{dnf|yum} {install -y|update -y|remove -y} {apt})x",
         R"x(brew {install|upgrade|uninstall|info} {apt})x",
         R"x(pip{|3} install {--user |-U |}{pip}{|=={#1-3}.{#0-20}.{#0-9}})x",
         R"x(pip{|3} install -r requirements.txt)x", R"x(npm {install|i} {--save-dev |-g |}{npm})x",
         R"x(yarn {add|install|build|test}{| {npm}})x", R"x(cargo {build --release|test|run|fmt|clippy})x",
         R"x(go {build ./...|test ./...|mod tidy|run main.go})x",
         R"x({|sudo }snap {install|refresh} {code --classic|slack|spotify})x", R"x(dpkg -l | grep {apt})x"});
  s.add(
      B, "lin_dev", Kind::kCommand,
      {R"x(git {clone git@{site}:{dom}/{proj}.git|pull --rebase|push origin {branch}|fetch origin|stash|stash pop|diff --stat})x",
       R"x(git {checkout|switch -c|branch -d|merge|rebase} {branch})x",
       R"x(git commit -{am|m} "{Fix|Add|Update|Bump|Refactor} {word}{| for {proj}}")x",
       R"x(git log --{oneline|graph --all --decorate} -n {#5-40})x",
       R"x(make {|-j{#2-16} }{|all|test|install|clean|docs})x",
       R"x(cmake -S . -B build -DCMAKE_BUILD_TYPE={Release|Debug} && cmake --build build -j{#2-16})x",
       R"x(python{|3} {manage.py {runserver|migrate|test}|-m pytest{| -x| -k {word}}|app.py|setup.py sdist})x",
       R"x(node {server.js|index.js|dist/main.js})x",
       R"x({vim|nano|code|less} {lhome}/{fname}.{py|md|yaml|conf|txt})x",
       R"x(./gradlew {build|test|bootRun})x", R"x(mvn {clean install|package -DskipTests|test})x"});
  s.add(
      B, "lin_containers", Kind::kCommand,
      {R"x(docker {ps -a|images|system prune -f|volume ls|network ls|stats --no-stream})x",
       R"x(docker run {-d |--rm |-it }{|-p {#8000-9000}:{80|8080|5432|6379} }{image})x",
       R"x(docker {build -t {proj}:{#1-9}.{#0-9} .|push {image}|pull {image}|logs -f {proj}|exec -it {proj} sh})x",
       R"x(docker compose {up -d|down|logs -f|pull|restart {proj}})x",
       R"x(kubectl {get pods|get svc|get deployments|get nodes}{| -n {proj}| -A}{| -o wide})x",
       R"x(kubectl {describe pod|logs -f|delete pod} {proj}-{hex8}-{hex4}{| -n {proj}})x",
       R"x(kubectl apply -f {k8s|deploy|manifests}/{proj}.yaml)x",
       R"x(helm {upgrade --install|uninstall|list} {proj}{| ./charts/{proj}})x",
       R"x(terraform {init|plan|apply -auto-approve|fmt|validate})x",
       R"x(ansible-playbook -i {inventory|hosts}.{ini|yml} {site|deploy|patch}.yml{| --limit {role}})x"});
  s.add(
      B, "lin_admin", Kind::kCommand,
      {R"x(ssh {-i ~/.ssh/id_{ed25519|rsa} |}{luser}@{lhost}{| -p {#22-2222}})x",
       R"x(scp {|-r }{lhome}/{fname}.{docext} {luser}@{lhost}:{lhome}/)x",
       R"x(rsync -{avz|aP|avh --delete} {lhome}/ {luser}@{lhost}:/backup/{proj}/)x",
       R"x(ssh-keygen -t {ed25519|rsa -b 4096} -C "{luser}@{dnsdomain}")x",
       R"x(ssh-copy-id {luser}@{lhost})x",
       R"x(tar -{czf|xzf|cjf|tzf} {lhome}/{fname}.tar.{gz|bz2} {|-C {lhome} }{proj})x",
       R"x({cp|mv} {-r |}{lhome}/{fname}.{docext} {lhome}/{word}/)x",
       R"x(rm {-rf |-f |}{lhome}/{fname}.{log|tmp|bak})x",
       R"x(mkdir -p {lhome}/{word}/{word})x",
       R"x(chmod {644|755|600|+x} {lhome}/{fname}.{sh|conf|txt})x",
       R"x(chown {-R |}{luser}:{luser} {lhome})x",
       R"x(find {lhome} -name "*.{log|tmp|pyc}" -mtime +{#1-90} {-delete|-print})x",
       R"x(du -sh {lhome}/*)x",
       R"x(df -h{| /| /data})x",
       R"x({top|htop|free -m|uptime|uname -a|lsblk|vmstat 1 5|iostat -x 2})x",
       R"x(tail -{f|n {#10-500}} /var/log/{syslog|{lsvc}/error.log|nginx/access.log|messages})x",
       R"x(grep -{i|r|n|c} "{error|warn|timeout|{word}}" /var/log/{syslog|{lsvc}.log})x",
       R"x(crontab -{l|e})x",
       R"x(echo "{#0-59} {#0-23} * * * {lhome}/{backup|cleanup|report}.sh" >> /etc/cron.d/{proj})x",
       R"x({|sudo }mount {|-t nfs }{lhost}:/export/{share} /mnt/{share})x",
       R"x({|sudo }certbot renew{| --dry-run})x",
       R"x(openssl {x509 -in {fname}.crt -noout -dates|req -new -key {fname}.key -out {fname}.csr|s_client -connect {fqdn}:443})x",
       R"x(curl -{sS|fsSL|o {fname}.tar.gz} https://{site}/{word}/{fname})x",
       R"x(wget {-q |}https://{site}/{fname}.{tar.gz|deb|zip})x",
       R"x(pg_dump -U {luser} {proj} > /backup/{proj}_{date}.sql)x",
       R"x(mysqldump -u {luser} -p {proj} > /backup/{proj}.sql)x",
       R"x(restic -r /backup/restic backup {lhome}{| --exclude-caches})x",
       R"x(borg create /backup/borg::{proj}-{date} {lhome})x",
       R"x(duplicity {lhome} file:///backup/{proj})x",
       R"x(zip -r {fname}.zip {proj})x",
       R"x(history | tail -n {#5-50})x",
       R"x(open -a "{Safari|Google Chrome|Microsoft Word|Slack}"{| {lhome}/{fname}.{docext}})x",
       R"x(softwareupdate {-l|-ia})x",
       R"x(defaults write com.apple.{finder|dock} {AppleShowAllFiles -bool true|autohide -bool true})x",
       R"x(xdg-open {lhome}/{fname}.{pdf|png|docx})x"});
}

}  // namespace attune::data::gen
