// Case games, noise and the stress set's evasions.
#include <gtest/gtest.h>

#include <set>

#include "data/generator/evasion.h"
#include "data/generator/sanitize.h"

namespace attune::data::gen {
namespace {

TEST(Evasion, LowerCases) {
  EXPECT_EQ(to_lower("Reg SAVE HKLM\\SAM"), "reg save hklm\\sam");
}

TEST(Evasion, ProducesCaretsQuotesPathsAndAliases) {
  Rng rng(11);
  std::set<std::string> kinds;
  for (int i = 0; i < 400; ++i) {
    std::string out = apply_evasion("reg save HKLM\\SAM C:\\Windows\\Temp\\s.hiv /y", rng);
    EXPECT_NE(out, "reg save HKLM\\SAM C:\\Windows\\Temp\\s.hiv /y");
    if (out.find('^') != std::string::npos) kinds.insert("caret");
    if (out.find('"') != std::string::npos) kinds.insert("quote");
    if (out.find("Sysnative") != std::string::npos ||
        out.find("%SystemRoot%\\System32\\reg.exe") != std::string::npos)
      kinds.insert("path");
    if (out.find("%windir%\\temp") != std::string::npos ||
        out.find("%SystemRoot%\\Temp") != std::string::npos)
      kinds.insert("env");
    if (out.find(" -y") != std::string::npos) kinds.insert("switch");
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"caret", "quote", "path", "env", "switch"}));
  std::set<std::string> ps;
  for (int i = 0; i < 200; ++i)
    ps.insert(apply_evasion("Get-CimInstance Win32_ShadowCopy -EncodedCommand x", rng));
  bool alias = false, flag = false;
  for (const auto& s : ps) {
    alias = alias || s.rfind("gcim ", 0) == 0;
    flag = flag || s.find(" -enc ") != std::string::npos || s.find(" -e ") != std::string::npos;
  }
  EXPECT_TRUE(alias);
  EXPECT_TRUE(flag);
}

TEST(Evasion, FlagSwapsRespectWordBoundaries) {
  Rng rng(12);
  for (int i = 0; i < 200; ++i) {
    std::string out = apply_evasion("powershell -noprofile -c Get-Date", rng);
    EXPECT_EQ(out.find("rofilerofile"), std::string::npos) << out;
  }
}

TEST(Evasion, NoiseChangesTheTextAndTruncationKeepsHalf) {
  Rng rng(13);
  const std::string text = "vssadmin list shadows /for=C: and more words here";
  for (int i = 0; i < 300; ++i) {
    std::string out = add_noise(text, rng);
    EXPECT_NE(out, text);
    EXPECT_GE(out.size(), text.size() / 2);
  }
}

// Truncation noise on an attack row never cuts before the end of its evidence (evidence_end): a row cut
// before "setenforce 0" would be a Benign text labelled T1562. Without known evidence it does not cut.
TEST(Evasion, TruncationKeepsTheRowsEvidence) {
  const std::string text = "sudo SETENFORCE 0 && systemctl stop auditd; echo the rest of the line";
  const std::size_t end = evidence_end(text, "T1562");
  EXPECT_EQ(end, std::string("sudo SETENFORCE 0").size());  // the keyword match that ends first
  EXPECT_EQ(evidence_end(text, "T1003.002"), std::string::npos);
  EXPECT_EQ(evidence_end(text, "Benign"), std::string::npos);
  Rng rng(15);
  std::size_t truncated = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string out = add_noise(text, rng, end);
    if (out.size() < text.size() && text.compare(0, out.size(), out) == 0) {
      ++truncated;
      EXPECT_GE(out.size(), end) << out;
    }
    const std::string kept = add_noise(text, rng, std::string::npos);
    EXPECT_FALSE(kept.size() < text.size() && text.compare(0, kept.size(), kept) == 0) << kept;
  }
  EXPECT_GT(truncated, 50u);
}

TEST(Evasion, CaseGamesOnlyChangeCase) {
  Rng rng(14);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string out = case_games("reg query HKCU\\Software", rng);
    EXPECT_EQ(to_lower(out), "reg query hkcu\\software");
    seen.insert(out);
  }
  EXPECT_GE(seen.size(), 3u);
}

}  // namespace
}  // namespace attune::data::gen
