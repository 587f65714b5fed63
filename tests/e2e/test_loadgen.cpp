// tools/loadgen.cpp run as a user runs it (build/bin/loadgen) against build/bin/serve on a free loopback
// port, serving a tiny random-init RoBERTa dir with the real roberta-base tokenizer: its JSON and text
// reports are well formed and error-free, failures are counted by status with exit 1, bad usage exits 2.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"
#include "e2e/tiny_classifier.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::testing::quote;
using attune::testing::slurp;
using nlohmann::json;

// The tiny classifier, built once per test binary.
fs::path tiny_model_dir() {
  static const fs::path dir = attune::testing::write_tiny_classifier(
      "loadgen", /*seed=*/3, /*initializer_range=*/0.02, /*lowercase=*/false);
  return dir;
}

// build/bin/serve on 127.0.0.1 and a free port, started by popen as `echo $$; exec serve ...`, so the first
// line of its output is its pid and the second "listening on http://127.0.0.1:PORT".
class LoadgenE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
    const fs::path serve = attune::testing::bin_dir() / "serve";
    ASSERT_TRUE(fs::exists(serve)) << serve << " is missing: build the serve target";
    const std::string command = "echo $$; exec " + quote(serve.string()) + " --model " +
                                quote(tiny_model_dir().string()) + " --port 0 --threads 1 --fp32 2>/dev/null";
    pipe_ = popen(command.c_str(), "r");
    ASSERT_NE(pipe_, nullptr);
    char line[256];
    ASSERT_NE(std::fgets(line, sizeof(line), pipe_), nullptr);
    pid_ = std::atoi(line);
    ASSERT_NE(std::fgets(line, sizeof(line), pipe_), nullptr) << "serve printed no address";
    const std::string prefix = "listening on ";
    const std::string text = line;
    ASSERT_EQ(text.rfind(prefix, 0), 0u) << text;
    url_ = text.substr(prefix.size(), text.find_last_not_of("\r\n") + 1 - prefix.size());
  }
  void TearDown() override {
    if (pid_ > 0) kill(pid_, SIGTERM);
    if (pipe_) {
      EXPECT_EQ(pclose(pipe_), 0) << "serve did not exit 0 on SIGTERM";
    }
  }

  struct Run {
    int code = -1;
    std::string out, err;
  };
  Run loadgen(const std::string& args) {
    const fs::path exe = attune::testing::bin_dir() / "loadgen";
    if (!fs::exists(exe)) {
      ADD_FAILURE() << exe << " is missing: build the loadgen target";
      return {};
    }
    const fs::path dir = attune::testing::temp_dir("loadgen-run");
    const std::string command = quote(exe.string()) + " " + args + " >" + quote((dir / "out").string()) +
                                " 2>" + quote((dir / "err").string());
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
  }

  FILE* pipe_ = nullptr;
  pid_t pid_ = -1;
  std::string url_;  // http://127.0.0.1:PORT
};

TEST_F(LoadgenE2e, JsonReportOfAnErrorFreeRun) {
  const auto r =
      loadgen("--url " + url_ + "/api --concurrency 3 --requests 25 --warmup 2 --json --text whoami " +
              "--text " + quote("reg save HKLM\\SAM sam.save"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["concurrency"], 3);
  EXPECT_EQ(j["requests"], 25);
  EXPECT_EQ(j["succeeded"], 25);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["errors"], json::object());
  EXPECT_GT(j["requests_per_second"].get<double>(), 0);
  const auto& l = j["latency_ms"];
  EXPECT_GT(l["min"].get<double>(), 0);
  EXPECT_LE(l["min"].get<double>(), l["p50"].get<double>());
  EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
  EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
}

TEST_F(LoadgenE2e, TextReportFromAnInputFileForADuration) {
  const fs::path file = attune::testing::write(attune::testing::temp_dir("loadgen-input") / "events.csv",
                                               "host,cmd\nh1,whoami\nh2,\"net user \"\"x\"\" /add\"\n");
  const auto r =
      loadgen("--url " + url_ + "/api -c 2 --duration 0.3 --input " + quote(file.string()) + " --column cmd");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("requests/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency ms   p50 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("errors       none"), std::string::npos) << r.out;
}

TEST_F(LoadgenE2e, FailuresAreCountedByStatusAndExitOne) {
  const auto missing = loadgen("--url " + url_ + "/nope -n 4 --warmup 0 --json");
  EXPECT_EQ(missing.code, 1) << missing.err;
  const auto j = json::parse(missing.out);
  EXPECT_EQ(j["errors"], (json{{"404", 4}}));
  EXPECT_EQ(j["succeeded"], 0);

  EXPECT_EQ(loadgen("--url " + url_ + "/api").code, 2);                    // neither -n nor -d
  EXPECT_EQ(loadgen("--url " + url_ + "/api -n 5 --duration 1").code, 2);  // both
  EXPECT_EQ(loadgen("--url ftp://127.0.0.1:1/api -n 1").code, 2);          // not http(s)
  const auto bad_input = loadgen("--url " + url_ + "/api -n 1 --input /nonexistent/texts.txt");
  EXPECT_EQ(bad_input.code, 2);
  EXPECT_NE(bad_input.err.find("/nonexistent/texts.txt"), std::string::npos) << bad_input.err;
}

}  // namespace
