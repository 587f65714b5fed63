// The benign world: loading the pinned corpus with clear errors, the sanitization rule on real text, and
// how the presets mix it in (train packages only; heldout packages form a disjoint real-data proxy).
#include "data/generator/benign_world.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "base/errors.h"
#include "data/generator/evasion.h"
#include "data/generator/generator.h"
#include "test_paths.h"

namespace attune::data {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

fs::path world_dir(const std::string& packages, const std::string& commands) {
  const fs::path dir = testing::temp_dir("world");
  write(dir / "packages.txt", packages);
  write(dir / "commands.tsv", commands);
  return dir;
}

std::string load_error(const fs::path& dir) {
  try {
    load_benign_world(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(BenignWorld, LoadsPinnedPackagesIntoTrainAndHeldout) {
  const auto dir =
      world_dir("# pins\ngit 1:2.39 train\ncurl 7.88 heldout\n",
                "package\tversion\tsource\ttext\ncurl\t7.88\tman:curl.1\tcurl -fsSL https://x/y\n"
                "git\t1:2.39\tman:git-log.1\tgit log --oneline\n");
  const auto w = load_benign_world(dir);
  ASSERT_EQ(w.train.size(), 1u);
  ASSERT_EQ(w.heldout.size(), 1u);
  EXPECT_EQ(w.train[0].text, "git log --oneline");
  EXPECT_EQ(w.heldout[0].package, "curl");
  EXPECT_EQ(w.heldout[0].source, "man:curl.1");
  EXPECT_EQ(w.train_packages, 1u);
  EXPECT_EQ(w.heldout_packages, 1u);
  EXPECT_EQ(w.sha256.size(), 64u);
}

TEST(BenignWorld, BadFilesNameTheFileAndLine) {
  const std::string header = "package\tversion\tsource\ttext\n";
  auto dir = world_dir("git 1 train\nls 2 sometimes\n", header);
  EXPECT_NE(load_error(dir).find("packages.txt:2: split 'sometimes': expected train or heldout"),
            std::string::npos)
      << load_error(dir);
  dir = world_dir("git 1 train\n", "package,version,source,text\n");
  EXPECT_NE(load_error(dir).find("commands.tsv:1: expected the header"), std::string::npos)
      << load_error(dir);
  dir = world_dir("git 1 train\n", header + "git\t1\tman:git.1\tgit status\nvim\t9\tman:vim.1\tvim x\n");
  EXPECT_NE(load_error(dir).find("commands.tsv:3: package 'vim' is not in packages.txt"), std::string::npos)
      << load_error(dir);
  dir = world_dir("git 1 train\n", header + "git\t2\tman:git.1\tgit status\n");
  EXPECT_NE(load_error(dir).find("commands.tsv:2: package 'git' version 2 differs from its pin 1"),
            std::string::npos)
      << load_error(dir);
  dir = world_dir("git 1 train\n", header + "git\t1\tgit status\n");
  EXPECT_NE(load_error(dir).find("commands.tsv:2: expected 4 tab-separated fields"), std::string::npos)
      << load_error(dir);
  EXPECT_NE(load_error(testing::temp_dir("world-empty")).find("packages.txt"), std::string::npos);
}

TEST(BenignWorld, SanitizerDropsAttackFamiliesAndKeepsTheirOrdinaryNeighbours) {
  const std::vector<std::string> attacks = {"T1003.002", "T1562", "T1134"};
  for (const char* attack : {"iptables -F",
                             "sudo iptables --flush INPUT",
                             "ip6tables -X",
                             "nft flush ruleset",
                             "sudo ufw --force disable",
                             "systemctl stop auditd",
                             "sudo systemctl disable --now apparmor",
                             "service rsyslog stop",
                             "auditctl -D",
                             "auditctl -e 0",
                             "setenforce 0",
                             "history -c",
                             "unset HISTFILE",
                             "export HISTSIZE=0",
                             "rm -f ~/.bash_history",
                             "aa-teardown",
                             "pkill -9 auditd",
                             "reg save HKLM\\SAM sam.hiv",
                             "runas /netonly /user:x cmd",
                             "journalctl --vacuum-time=1s",
                             "rm -f /etc/audit/audit.rules"})
    EXPECT_NE(world_sanitizer_hit(attack, attacks), "") << attack;
  for (const char* benign :
       {"iptables -L -n -v", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "nft list ruleset",
        "ufw status verbose", "systemctl status auditd", "systemctl restart nginx", "service ssh reload",
        "auditctl -l", "getenforce", "history | tail", "ssh -p 2222 admin@10.0.0.7",
        "curl -s http://192.168.1.10:8080/health", "sudo apt install sambashare",
        "git commit -m 'fix token refresh'", "journalctl -u ssh --since today"})
    EXPECT_EQ(world_sanitizer_hit(benign, attacks), "") << benign;
  // Only the families of the labels asked for: with no T1562 label, firewall flushes are ordinary benign
  // text.
  EXPECT_EQ(world_sanitizer_hit("iptables -F", {"T1087.001"}), "");
  EXPECT_NE(world_sanitizer_hit("cat /etc/passwd", {"T1087.001"}), "");  // a keyword of that label
}

// The committed corpus: it loads, and the presets draw Benign rows from its train packages only, keep the
// heldout packages' lines out of every split, and never let a sanitized family through.
TEST(BenignWorld, PresetsMixTheTrainPackagesAndHoldOutTheRest) {
  const auto world = load_benign_world(default_benign_world_dir());
  ASSERT_GT(world.train.size(), 1000u);
  ASSERT_GT(world.heldout.size(), 100u);
  std::set<std::string> heldout_packages, train_packages;
  for (const auto& l : world.heldout) heldout_packages.insert(l.package);
  for (const auto& l : world.train) train_packages.insert(l.package);
  const auto d = generate_data({"4class", 11, std::nullopt});
  std::set<std::string> split_texts;
  std::size_t from_world_rows = 0;
  const std::vector<std::string> attacks = {"T1003.002", "T1562", "T1134"};
  for (const auto* split : {&d.train, &d.validation, &d.test})
    for (const auto& row : *split) {
      split_texts.insert(row.text);
      if (!from_world(row)) continue;
      ++from_world_rows;
      const std::string package = row.template_id.substr(6);
      EXPECT_EQ(row.label, "Benign");
      EXPECT_TRUE(train_packages.count(package)) << row.template_id;
      EXPECT_FALSE(heldout_packages.count(package)) << row.template_id;
      EXPECT_EQ(world_sanitizer_hit(row.text, attacks), "") << row.text;
    }
  EXPECT_GT(from_world_rows, 1000u);
  EXPECT_EQ(
      d.manifest.at("benign_world").at("sources").at("train").at("benign_from_world").get<std::size_t>() +
          d.manifest.at("benign_world")
              .at("sources")
              .at("validation")
              .at("benign_from_world")
              .get<std::size_t>() +
          d.manifest.at("benign_world").at("sources").at("test").at("benign_from_world").get<std::size_t>(),
      from_world_rows);
  ASSERT_FALSE(d.real_benign.empty());
  for (const auto& row : d.real_benign) {
    EXPECT_TRUE(heldout_packages.count(row.template_id.substr(6))) << row.template_id;
    EXPECT_FALSE(split_texts.count(row.text)) << row.text;
    EXPECT_EQ(world_sanitizer_hit(row.text, attacks), "") << row.text;
    EXPECT_EQ(row.text, gen::to_lower(row.text));
  }
  std::set<std::string> attack_labels;
  for (const auto& row : d.real_attacks) attack_labels.insert(row.label);
  EXPECT_EQ(attack_labels, (std::set<std::string>{"T1003.002", "T1134", "T1562"}));
  // Deterministic: the same seed and corpus give the same rows.
  const auto again = generate_data({"4class", 11, std::nullopt});
  ASSERT_EQ(again.train.size(), d.train.size());
  for (std::size_t i = 0; i < d.train.size(); ++i) ASSERT_EQ(again.train[i].text, d.train[i].text) << i;
  ASSERT_EQ(again.real_benign.size(), d.real_benign.size());
}

}  // namespace
}  // namespace attune::data
