// The library part of `loadgen`, the project's HTTP load generator for `serve`: the URL it targets, the
// request plan (how many requests each client sends and which text each carries), latency statistics, and
// the run itself — one thread per client, each with its own keep-alive connection, all starting together
// after their warm-up — summarised as text or JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace attune::serving {

// http(s)://HOST[:PORT][/PATH] split up; InputError naming the expected form otherwise.
struct HttpUrl {
  std::string host;
  int port = 80;  // 443 for https without a port
  std::string path = "/";
  bool tls = false;
};
HttpUrl parse_http_url(const std::string& url);

// Latency statistics in milliseconds over some requests. Percentiles are base/stats.h's (numpy's linear
// interpolation between order statistics, as bench's). All zero when there are no samples.
struct LatencyStats {
  std::size_t count = 0;
  double mean_ms = 0, min_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
LatencyStats latency_stats(std::vector<double> samples_ms);

// What a load run does. Exactly one of requests (> 0: a fixed count shared among the clients) or duration
// (> 0: every client sends until it ends) is set.
struct LoadPlan {
  std::size_t concurrency = 1;            // clients, one thread and one connection each
  std::size_t requests = 0;               // measured requests in all
  std::chrono::milliseconds duration{0};  // or: measure for this long
  std::size_t warmup = 0;                 // requests each client sends before the measured phase
  std::vector<std::string> bodies;        // request bodies, sent in turn
};

// Throws InputError when the plan cannot run (no clients, no bodies, neither or both of requests and
// duration).
void check_plan(const LoadPlan& plan);
// How many measured requests client `client` sends with a request count: requests / concurrency, the first
// requests % concurrency clients one more.
std::size_t requests_for_client(const LoadPlan& plan, std::size_t client);
// The body index of a client's k-th request (warm-up included): clients start at different bodies
// (client × bodies / concurrency) and walk them in turn, so every body is sent about equally often.
std::size_t body_index(const LoadPlan& plan, std::size_t client, std::size_t k);

// {"text": text} for each text, serialised.
std::vector<std::string> text_bodies(const std::vector<std::string>& texts);

// The outcome of a load run. Latency counts answered requests of status 2xx; every other answer counts
// under its status ("503"), and a request with no answer under the transport error ("connection", "read").
struct LoadResult {
  std::size_t concurrency = 0;
  std::size_t sent = 0;       // measured requests sent
  std::size_t succeeded = 0;  // answered 2xx
  std::map<std::string, std::size_t> errors;
  double seconds = 0;  // wall time of the measured phase
  LatencyStats latency;
  double requests_per_second() const { return seconds > 0 ? static_cast<double>(succeeded) / seconds : 0; }
  std::size_t failed() const { return sent - succeeded; }
};

// Combines the clients' latencies (ms) and error counts into a LoadResult.
LoadResult summarize(std::size_t concurrency, double seconds,
                     const std::vector<std::vector<double>>& latencies_ms,
                     const std::vector<std::map<std::string, std::size_t>>& errors);

// {"concurrency", "requests", "succeeded", "failed", "errors": {...}, "seconds", "requests_per_second",
//  "latency_ms": {"mean", "min", "p50", "p90", "p99", "max"}}
nlohmann::ordered_json result_json(const LoadResult& result);
// A few lines for people: requests/s, the latency percentiles, errors by kind.
std::string result_text(const LoadResult& result, const std::string& url);

// How the clients reach the server besides the URL.
struct ClientOptions {
  std::chrono::seconds timeout{30};  // read/write; connect 5 s
  std::string api_key;               // non-empty: "Authorization: Bearer <key>"
  std::string ca_cert;               // https: verify the server against this PEM file (else the system's)
  bool verify_tls = true;            // https: false accepts any certificate (self-signed tests)
};

// Runs the plan against url (POST, application/json) and measures it.
LoadResult run_load(const HttpUrl& url, const LoadPlan& plan, const ClientOptions& client);
// The same with default ClientOptions but the read/write timeout.
LoadResult run_load(const HttpUrl& url, const LoadPlan& plan, std::chrono::seconds timeout);

}  // namespace attune::serving
