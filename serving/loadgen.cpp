#include "serving/loadgen.h"

// Debian's libcpp-httplib is built with OpenSSL/zlib/brotli; the CPPHTTPLIB_* defines that match it come
// from its pkg-config target (see CMakeLists.txt): the header must see the same ones (class layouts differ).
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "base/errors.h"
#include "base/progress.h"
#include "base/stats.h"

namespace attune::serving {

namespace {

// What parse_http_url accepts, for error messages.
constexpr const char* kUrlForm =
    "expected http://HOST[:PORT][/PATH] or https://..., such as http://127.0.0.1:8080/api";
// How long a client waits for its connection to open.
constexpr auto kConnectTimeout = std::chrono::seconds(5);

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The key a failed request counts under: its status, or the transport error.
std::string error_key(const httplib::Result& res) {
  if (res) return std::to_string(res->status);
  return lower(httplib::to_string(res.error()));
}

// Starts the measured phase of all clients at once, after each finished its warm-up.
class StartGate {
 public:
  explicit StartGate(std::size_t clients) : waiting_for_(clients) {}
  // A client is warm: blocks until open() is called.
  void arrive() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--waiting_for_ == 0) all_warm_.notify_all();
    opened_.wait(lock, [&] { return open_; });
  }
  // The caller waits for every client's warm-up, runs `at_open` (under the gate's lock), then lets them go.
  void open_when_warm(const std::function<void()>& at_open) {
    std::unique_lock<std::mutex> lock(mutex_);
    all_warm_.wait(lock, [&] { return waiting_for_ == 0; });
    at_open();
    open_ = true;
    opened_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_warm_, opened_;
  std::size_t waiting_for_;
  bool open_ = false;
};

}  // namespace

HttpUrl parse_http_url(const std::string& url) {
  HttpUrl out;
  out.tls = url.rfind("https://", 0) == 0;
  if (!out.tls && url.rfind("http://", 0) != 0) throw InputError("--url " + url + ": " + kUrlForm);
  if (out.tls) out.port = 443;
  const auto rest = url.substr(out.tls ? 8 : 7);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    const auto port = authority.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    out.port = digits ? std::stoi(port) : -1;
    if (out.port < 1 || out.port > 65535)
      throw InputError("--url " + url + ": the port must be 1-65535; " + kUrlForm);
  }
  if (out.host.empty()) throw InputError("--url " + url + ": no host; " + kUrlForm);
  return out;
}

LatencyStats latency_stats(std::vector<double> samples_ms) {
  LatencyStats s;
  if (samples_ms.empty()) return s;
  std::sort(samples_ms.begin(), samples_ms.end());
  s.count = samples_ms.size();
  for (double v : samples_ms) s.mean_ms += v;
  s.mean_ms /= static_cast<double>(s.count);
  s.min_ms = samples_ms.front();
  s.max_ms = samples_ms.back();
  s.p50_ms = percentile(samples_ms, 50);
  s.p90_ms = percentile(samples_ms, 90);
  s.p99_ms = percentile(samples_ms, 99);
  return s;
}

void check_plan(const LoadPlan& plan) {
  if (plan.concurrency == 0) throw InputError("--concurrency must be at least 1");
  if (plan.bodies.empty())
    throw InputError("no request bodies: give --text or --input with at least one text");
  const bool by_count = plan.requests > 0, by_time = plan.duration.count() > 0;
  if (by_count == by_time)
    throw InputError(std::string(by_count ? "both --requests and --duration given"
                                          : "neither --requests nor --duration given") +
                     "; expected exactly one of them");
}

std::size_t requests_for_client(const LoadPlan& plan, std::size_t client) {
  return plan.requests / plan.concurrency + (client < plan.requests % plan.concurrency ? 1 : 0);
}

std::size_t body_index(const LoadPlan& plan, std::size_t client, std::size_t k) {
  const std::size_t n = plan.bodies.size();
  return (client * n / plan.concurrency + k) % n;
}

std::vector<std::string> text_bodies(const std::vector<std::string>& texts) {
  std::vector<std::string> bodies;
  bodies.reserve(texts.size());
  for (const auto& t : texts) bodies.push_back(nlohmann::json{{"text", t}}.dump());
  return bodies;
}

LoadResult summarize(std::size_t concurrency, double seconds,
                     const std::vector<std::vector<double>>& latencies_ms,
                     const std::vector<std::map<std::string, std::size_t>>& errors) {
  LoadResult r;
  r.concurrency = concurrency;
  r.seconds = seconds;
  std::vector<double> all;
  for (const auto& client : latencies_ms) all.insert(all.end(), client.begin(), client.end());
  r.succeeded = all.size();
  r.sent = all.size();
  for (const auto& client : errors)
    for (const auto& [key, count] : client) {
      r.errors[key] += count;
      r.sent += count;
    }
  r.latency = latency_stats(std::move(all));
  return r;
}

nlohmann::ordered_json result_json(const LoadResult& r) {
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const auto& [key, count] : r.errors) errors[key] = count;
  const auto& l = r.latency;
  return {{"concurrency", r.concurrency},
          {"requests", r.sent},
          {"succeeded", r.succeeded},
          {"failed", r.failed()},
          {"errors", errors},
          {"seconds", r.seconds},
          {"requests_per_second", r.requests_per_second()},
          {"latency_ms",
           {{"mean", l.mean_ms},
            {"min", l.min_ms},
            {"p50", l.p50_ms},
            {"p90", l.p90_ms},
            {"p99", l.p99_ms},
            {"max", l.max_ms}}}};
}

std::string result_text(const LoadResult& r, const std::string& url) {
  const auto& l = r.latency;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%s: %zu requests from %zu client%s in %.2f s\n"
                "  requests/s   %.1f\n"
                "  latency ms   p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (mean %.3f)\n",
                url.c_str(), r.sent, r.concurrency, r.concurrency == 1 ? "" : "s", r.seconds,
                r.requests_per_second(), l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.mean_ms);
  std::string out = buf;
  out += "  errors       ";
  if (r.errors.empty()) out += "none";
  bool first = true;
  for (const auto& [key, count] : r.errors) {
    out += (first ? "" : ", ") + key + ": " + std::to_string(count);
    first = false;
  }
  return out + "\n";
}

LoadResult run_load(const HttpUrl& url, const LoadPlan& plan, const ClientOptions& options) {
  check_plan(plan);
  const std::size_t clients = plan.concurrency;
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::map<std::string, std::size_t>> errors(clients);
  StartGate gate(clients);
  Clock::time_point deadline{};  // written before the gate opens, read after

  auto client_loop = [&](std::size_t c) {
    httplib::Client http((url.tls ? "https://" : "http://") + url.host + ":" + std::to_string(url.port));
    http.set_keep_alive(true);
    http.set_tcp_nodelay(true);
    http.set_connection_timeout(kConnectTimeout);
    http.set_read_timeout(options.timeout);
    http.set_write_timeout(options.timeout);
    if (!options.api_key.empty()) http.set_bearer_token_auth(options.api_key.c_str());
    if (url.tls) {
      if (!options.ca_cert.empty()) http.set_ca_cert_path(options.ca_cert.c_str());
      http.enable_server_certificate_verification(options.verify_tls);
    }
    std::size_t k = 0;
    auto post = [&] {
      return http.Post(url.path, plan.bodies[body_index(plan, c, k++)], "application/json");
    };
    for (std::size_t i = 0; i < plan.warmup; ++i) post();
    gate.arrive();
    const std::size_t quota = plan.requests > 0 ? requests_for_client(plan, c) : 0;
    auto& mine = latencies[c];
    mine.reserve(quota);
    for (std::size_t i = 0; plan.requests > 0 ? i < quota : Clock::now() < deadline; ++i) {
      const auto start = Clock::now();
      const auto res = post();
      const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (res && res->status >= 200 && res->status < 300)
        mine.push_back(ms);
      else
        ++errors[c][error_key(res)];
    }
  };

  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (std::size_t c = 0; c < clients; ++c) threads.emplace_back(client_loop, c);
  // The measured phase starts when every client is warm; the gate's mutex orders `deadline` before every
  // client's read of it.
  Clock::time_point start;
  gate.open_when_warm([&] {
    start = Clock::now();
    deadline = start + plan.duration;
  });
  for (auto& t : threads) t.join();
  const double seconds = seconds_since(start);
  return summarize(clients, seconds, latencies, errors);
}

LoadResult run_load(const HttpUrl& url, const LoadPlan& plan, std::chrono::seconds timeout) {
  ClientOptions options;
  options.timeout = timeout;
  return run_load(url, plan, options);
}

}  // namespace attune::serving
