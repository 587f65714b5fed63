// Case games, noise and the stress set's evasions.
#include <gtest/gtest.h>

#include <set>

#include "data/generator/evasion.h"

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
