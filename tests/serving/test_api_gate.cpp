// serving: an ApiServer facing more clients than workers (every request answered 200 or 503 with
// Retry-After within its deadline), a scorer slower than the request timeout (503 at the deadline), slow
// senders (cut by the watchdog while a healthy client is still served), the API key (401, constant-time
// compare, /health without details), TLS end to end on loopback, the loading state, and the access log.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/errors.h"
#include "serving/api_access.h"
#include "serving/api_server.h"

namespace {

using namespace attune::serving;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

ScoreFn sleeping_scorer(std::chrono::milliseconds delay, std::atomic<int>* calls = nullptr) {
  return [delay, calls](const std::vector<std::string>& texts) {
    if (calls) ++*calls;
    std::this_thread::sleep_for(delay);
    std::vector<json> out;
    for (const auto& t : texts) out.push_back({{"label", "x"}, {"text", t}});
    return out;
  };
}

// An ApiServer listening on a free loopback port in a thread of its own.
class Running {
 public:
  explicit Running(std::unique_ptr<ApiServer> server) : server_(std::move(server)) {
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->listen(); });
  }
  Running(ScoreFn score, ServeOptions options)
      : Running(std::make_unique<ApiServer>(std::move(score), json{{"status", "ok"}, {"model", "m"}},
                                            std::vector<std::string>{"x"}, std::move(options))) {}
  ~Running() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  ApiServer& server() { return *server_; }

 private:
  std::unique_ptr<ApiServer> server_;
  int port_ = 0;
  std::thread thread_;
};

httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5s);
  c.set_read_timeout(20s);
  return c;
}

TEST(ApiGate, MoreClientsThanWorkersAreAllAnsweredWithinTheDeadline) {
  ServeOptions options;
  options.max_concurrent = 2;
  options.max_queue = 2;
  options.max_batch = 1;  // one text per scoring call: the scorer is the bottleneck
  options.request_timeout = 3000ms;
  Running server(sleeping_scorer(150ms), options);
  constexpr int kClients = 16;  // 4x (workers + queue)
  std::vector<int> status(kClients, 0);
  std::vector<std::string> retry_after(kClients);
  std::vector<double> seconds(kClients, 0);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      auto c = client(server.port());
      const auto start = Clock::now();
      const auto res = c.Post("/api", R"({"text": "whoami"})", "application/json");
      seconds[i] = std::chrono::duration<double>(Clock::now() - start).count();
      if (res) {
        status[i] = res->status;
        retry_after[i] = res->get_header_value("Retry-After");
      }
    });
  for (auto& t : clients) t.join();
  int ok = 0, busy = 0;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(status[i] == 200 || status[i] == 503) << "client " << i << " got " << status[i];
    EXPECT_LT(seconds[i], 3.0 + 1.0) << "client " << i << " answered after its deadline";
    if (status[i] == 200) ++ok;
    if (status[i] == 503) {
      ++busy;
      EXPECT_EQ(retry_after[i], "1") << "a 503 must say when to retry";
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GE(busy, 1) << "16 clients at once on 2 workers and a queue of 2: some must be turned away";
  EXPECT_EQ(static_cast<int>(server.server().connections_turned_away()), busy);
}

TEST(ApiGate, ARequestNotScoredInTimeIsAnswered503AtItsDeadline) {
  ServeOptions options;
  options.request_timeout = 500ms;
  Running server(sleeping_scorer(1500ms), options);
  auto c = client(server.port());
  const auto start = Clock::now();
  const auto res = c.Post("/api", R"({"text": "whoami"})", "application/json");
  const auto waited = Clock::now() - start;
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("request timeout"), std::string::npos) << res->body;
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_GE(waited, 400ms);
  EXPECT_LT(waited, 1500ms);
}

// A raw TCP connection to the server that sends `bytes` and then nothing.
int stalled_connection(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  if (!bytes.empty()) ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return fd;
}

TEST(ApiGate, SlowSendersAreCutAndDoNotStarveOthers) {
  ServeOptions options;
  options.max_concurrent = 2;
  options.request_timeout = 600ms;
  Running server(sleeping_scorer(0ms), options);
  // Two connections that start a request and never finish its headers hold both workers ...
  const int a = stalled_connection(server.port(), "POST /api HTTP/1.1\r\nHost: x\r\n");
  const int b = stalled_connection(server.port(), "POST /api HTTP/1.1\r\nHo");
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(100ms);
  // ... until their deadline: a healthy client behind them is served once they are cut.
  auto c = client(server.port());
  const auto start = Clock::now();
  const auto res = c.Post("/api", R"({"text": "whoami"})", "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_TRUE(res->status == 200 || res->status == 503) << res->status;
  EXPECT_LT(Clock::now() - start, 3s);
  // The stalled connections were closed by the server.
  char byte;
  for (const int fd : {a, b}) {
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    EXPECT_LE(::recv(fd, &byte, 1, 0), 0) << "a stalled connection is still open";
    ::close(fd);
  }
  EXPECT_GE(server.server().connections_timed_out(), 2u);
}

TEST(ApiGate, ApiKeyIsRequiredWhereSet) {
  ServeOptions options;
  options.api_key = "0123456789abcdef0123";
  Running server(sleeping_scorer(0ms), options);
  auto c = client(server.port());
  const auto none = c.Post("/api", R"({"text": "whoami"})", "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(none->body.find(options.api_key), std::string::npos);
  const auto wrong = c.Post("/api", {{"Authorization", "Bearer 0123456789abcdef0124"}}, R"({"text": "x"})",
                            "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(c.Get("/labels")->status, 401);
  // /health answers probes without the key, but says nothing about the model.
  const auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body), (json{{"status", "ok"}}));

  c.set_bearer_token_auth(options.api_key);
  const auto right = c.Post("/api", R"({"text": "whoami"})", "application/json");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_EQ(json::parse(right->body)["label"], "x");
  EXPECT_EQ(json::parse(c.Get("/health")->body)["model"], "m");
}

TEST(ApiGate, ReportsLoadingUntilReady) {
  ServeOptions options;
  Running server(std::make_unique<ApiServer>(options));
  auto c = client(server.port());
  const auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(json::parse(health->body)["status"], "loading");
  EXPECT_EQ(health->get_header_value("Retry-After"), "5");
  EXPECT_EQ(c.Post("/api", R"({"text": "whoami"})", "application/json")->status, 503);
  server.server().ready(sleeping_scorer(0ms), json{{"status", "ok"}}, {"x"});
  EXPECT_EQ(c.Get("/health")->status, 200);
  EXPECT_EQ(c.Post("/api", R"({"text": "whoami"})", "application/json")->status, 200);
}

TEST(ApiGate, AccessLogHasOneLinePerRequestWithoutBodiesOrKeys) {
  std::ostringstream log;
  ServeOptions options;
  options.api_key = "secret-key-0123456789";
  options.access_log = &log;
  {
    Running server(sleeping_scorer(0ms), options);
    auto c = client(server.port());
    c.set_bearer_token_auth(options.api_key);
    ASSERT_EQ(c.Post("/api", R"({"text": "mimikatz-like secret text"})", "application/json")->status, 200);
    ASSERT_EQ(c.Get("/nowhere")->status, 404);
  }
  std::istringstream lines(log.str());
  std::vector<json> entries;
  for (std::string line; std::getline(lines, line);) entries.push_back(json::parse(line));
  ASSERT_EQ(entries.size(), 2u) << log.str();
  EXPECT_EQ(entries[0]["method"], "POST");
  EXPECT_EQ(entries[0]["path"], "/api");
  EXPECT_EQ(entries[0]["status"], 200);
  EXPECT_EQ(entries[0]["remote"], "127.0.0.1");
  EXPECT_GT(entries[0]["request_bytes"].get<int>(), 0);
  EXPECT_EQ(entries[1]["status"], 404);
  EXPECT_EQ(log.str().find("secret"), std::string::npos) << "a body or the key reached the log";
}

// A self-signed certificate for 127.0.0.1 made with the openssl command; empty when it is absent.
bool make_certificate(const fs::path& dir) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) return false;
  fs::create_directories(dir);
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
      (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

TEST(ApiGate, TlsAndKeyEndToEnd) {
  const fs::path dir = fs::temp_directory_path() / ("attune_tls_" + std::to_string(::getpid()));
  if (!make_certificate(dir)) {
    if (std::getenv("ATTUNE_REQUIRE_SHARED")) FAIL() << "the openssl command is needed to make a certificate";
    GTEST_SKIP() << "no openssl command: cannot make a test certificate";
  }
  ServeOptions options;
  options.api_key = "tls-test-key-0123456789";
  options.tls_cert = (dir / "cert.pem").string();
  options.tls_key = (dir / "key.pem").string();
  {
    Running server(sleeping_scorer(0ms), options);
    httplib::SSLClient c("127.0.0.1", server.port());
    c.set_ca_cert_path(options.tls_cert.c_str());
    c.enable_server_certificate_verification(true);
    c.set_connection_timeout(5s);
    c.set_bearer_token_auth(options.api_key);
    const auto res = c.Post("/api", R"({"text": "whoami"})", "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(json::parse(res->body)["label"], "x");
    // Plain HTTP on the TLS port gets no answer.
    auto plain = client(server.port());
    plain.set_read_timeout(3s);
    const auto cleartext = plain.Get("/health");
    EXPECT_TRUE(!cleartext || cleartext->status >= 400);
  }
  // A key file that is not a key, or a certificate without its key, is refused up front.
  ServeOptions broken = options;
  broken.tls_key = options.tls_cert;
  EXPECT_THROW(ApiServer{broken}, attune::InputError);
  broken.tls_key.clear();
  EXPECT_THROW(ApiServer{broken}, attune::InputError);
  fs::remove_all(dir);
}

TEST(ApiAccess, BearerKeysAndLoopbackHosts) {
  const std::string key = "0123456789abcdef";
  EXPECT_TRUE(bearer_matches("Bearer " + key, key));
  EXPECT_FALSE(bearer_matches("Bearer " + key + "0", key));
  EXPECT_FALSE(bearer_matches("Bearer " + key.substr(1), key));
  EXPECT_FALSE(bearer_matches("Bearer 0123456789abcdeF", key));
  EXPECT_FALSE(bearer_matches("bearer " + key, key));
  EXPECT_FALSE(bearer_matches(key, key));
  EXPECT_FALSE(bearer_matches("", key));
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "::ffff:127.0.0.1"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "example.com", "128.0.0.1"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(ApiAccess, KeyFilesAreChecked) {
  const fs::path dir = fs::temp_directory_path() / ("attune_keys_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  EXPECT_EQ(read_api_key(write("ok", "  0123456789abcdef0123 \n")), "0123456789abcdef0123");
  EXPECT_THROW(read_api_key(write("empty", "\n")), attune::InputError);
  EXPECT_THROW(read_api_key(write("short", "short\n")), attune::InputError);
  EXPECT_THROW(read_api_key(write("space", "0123456789 abcdef0123\n")), attune::InputError);
  EXPECT_THROW(read_api_key((dir / "missing").string()), attune::InputError);
  try {
    read_api_key(write("short2", "tiny-key\n"));
  } catch (const attune::InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("tiny-key"), std::string::npos) << "the key was printed";
  }
  fs::remove_all(dir);
}

}  // namespace
