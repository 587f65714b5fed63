// build/bin/gen-data end to end: help, bad usage, and one small preset written to disk.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace attune::testing {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result gen_data(const std::string& args) {
  auto dir = temp_dir("gen-data-cli");
  std::string cmd = (bin_dir() / "gen-data").string() + " " + args + " >" + (dir / "out").string() + " 2>" +
                    (dir / "err").string();
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

TEST(GenDataCli, HelpExitsZero) {
  auto r = gen_data("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--preset"), std::string::npos);
  EXPECT_NE(r.out.find("--holdout-templates"), std::string::npos);
}

TEST(GenDataCli, UnknownPresetExitsTwoWithOneLineListingPresets) {
  auto r = gen_data("--preset nope --out " + temp_dir("gen-nope").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const char* name : {"binary", "discovery4", "4class"})
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
}

TEST(GenDataCli, AnOutPathThatCannotBeADirectoryExitsTwoBeforeGenerating) {
  const auto dir = temp_dir("gen-out-file");
  write(dir / "a-file", "x");
  for (const auto& out : {dir / "a-file", dir / "a-file" / "sub"}) {
    auto r = gen_data("--preset binary --out " + out.string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot create the output directory"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(GenDataCli, BadHoldoutFractionExitsTwo) {
  for (const char* bad : {"1.5", "0", "abc", "-0.1"}) {
    auto r = gen_data(std::string("--preset binary --holdout-templates ") + bad + " --out " +
                      temp_dir("gen-bad").string());
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("holdout-templates"), std::string::npos) << r.err;
  }
}

TEST(GenDataCli, WritesSplitsManifestAndSummary) {
  auto out = temp_dir("gen-ok");
  auto r = gen_data("--preset discovery4 --seed 3 --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* file : {"train.csv", "validation.csv", "test.csv", "manifest.json"})
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file;
  EXPECT_FALSE(std::filesystem::exists(out / "stress.csv"));
  EXPECT_NE(r.out.find("validation"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("T1087.001"), std::string::npos) << r.out;
  // The real-data proxy beside the splits, and where each split's Benign rows come from.
  for (const char* file : {"real_benign.csv", "real_attacks.csv"})
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file;
  EXPECT_NE(r.out.find("Benign rows from real command lines (benign world) / from templates: train "),
            std::string::npos)
      << r.out;
}

TEST(GenDataCli, ABrokenBenignWorldIsOneLineExitTwo) {
  auto world = temp_dir("gen-world");
  std::ofstream(world / "packages.txt") << "git 1 train\n";
  std::ofstream(world / "commands.tsv") << "package\tversion\tsource\ttext\nvim\t9\tman:vim.1\tvim x\n";
  auto r =
      gen_data("--preset binary --benign-world " + world.string() + " --out " + temp_dir("gen-w").string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("commands.tsv:2: package 'vim' is not in packages.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace attune::testing
