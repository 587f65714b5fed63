// The logic of `serve`: an HTTP API (cpp-httplib) over a request batcher. Requests that arrive together are
// scored in one forward pass: handler threads queue their texts and wait on a future; one model worker
// takes what is queued (up to max_batch texts, waiting at most max_wait for more) and answers them all.
//
//   POST /api    {"text": "..."}          -> {"label", "score", "probabilities": {label: p}} (+
//   "attack_score",
//                                            "operating_point" where the model has an operating point)
//                {"texts": ["...", ...]}  -> [{"label", "score", "probabilities"}, ...]
//                {"auditd": "type=EXECVE msg=audit(...): ...\n..."}  (Linux audit records,
//                inference/auditd.h)
//                                         -> {"predictions": [{"event", "line", "command", "label", ...},
//                                         ...],
//                                             "skipped": [{"line", "message"}, ...]}
//   GET /health  -> 200 {"status": "ok", "model": dir, "labels": n} once the model is loaded;
//                   503 {"status": "loading"} before
//   GET /labels  -> {"labels": [...]}
//
// Errors are JSON {"error": "..."}: 400 malformed JSON or a missing / ill-typed field, 401 a missing or
// wrong API key (where the server has one; /health then answers only {"status"} without it), 413 a body, a
// text or a list too large, 404 an unknown path, 405 a known path with the wrong method, 503 (with
// Retry-After) while the model loads, when more connections wait than the queue holds, or when a request
// cannot be answered within the request timeout, 500 a scoring failure.
//
// Connections go through a ConnectionGate (serving/connection_gate.h): max_concurrent workers, a bounded
// queue, a deadline per request. With a TLS certificate and key the server speaks HTTPS only.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "inference/auditd.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "serving/api_request.h"
#include "serving/request_batcher.h"

namespace httplib {
class Server;
}

namespace attune::serving {

// serve's answers for a loaded model: tokenizes with its preprocessing (lower-casing, max_length), applies
// its operating point where it has one (reset it for argmax), and returns prediction_json() per text.
// settings.temperature should be the model's. `model` must outlive the function.
ScoreFn model_scorer(const inference::LoadedModel& model, const inference::InferenceSettings& settings);

// The request limits (serving/api_request.h) and how the server runs.
struct ServeOptions : RequestLimits {
  std::string host = "127.0.0.1";
  int port = 0;                              // 0: any free port
  std::size_t max_batch = 64;                // texts per forward pass
  std::chrono::microseconds max_wait{2000};  // batching wait
  // HTTP worker threads. A keep-alive connection holds one while it is open (idle ones close after 5 s), so
  // this bounds the clients served at once: later connections wait for a free thread.
  int max_concurrent = 32;
  std::size_t keep_alive_requests = 10000;  // requests one connection may send before the server closes it
  std::size_t max_queue = 128;              // connections waiting for a worker; 503 above
  std::chrono::milliseconds request_timeout{10000};  // from a connection waiting for a request to its answer
  std::string api_key;                               // non-empty: requests need "Authorization: Bearer <key>"
  std::string tls_cert, tls_key;                     // PEM files; both set: HTTPS
  std::ostream* access_log = nullptr;                // one JSON line per request (never bodies or keys)
};

class ConnectionGate;

class ApiServer {
 public:
  // A server whose model is still loading: /health and /api answer 503 until ready(). InputError when the
  // TLS certificate or key cannot be loaded.
  explicit ApiServer(ServeOptions options);
  // A ready server. info: the /health answer; labels: the /labels answer.
  ApiServer(ScoreFn score, nlohmann::json info, std::vector<std::string> labels, ServeOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // The model is loaded: score with `score` from now on. Once only.
  void ready(ScoreFn score, nlohmann::json info, std::vector<std::string> labels);

  // Binds host:port and returns the port (the picked one for port 0); InputError when it cannot bind.
  int bind();
  // Serves until stop(); then finishes in-flight requests and the batcher. Returns false on a socket error.
  bool listen();
  // Safe from any thread, before or during listen().
  void stop();

  // Connections accepted, turned away busy, and cut at their deadline so far.
  std::uint64_t connections_accepted() const;
  std::uint64_t connections_turned_away() const;
  std::uint64_t connections_timed_out() const;

 private:
  void routes();
  bool authorized(const std::string& authorization) const;
  std::unique_ptr<httplib::Server> http_;
  std::function<void(int)> set_listening_socket_;  // httplib's view of the listening socket
  std::unique_ptr<ConnectionGate> gate_;
  std::unique_ptr<RequestBatcher> batcher_;
  std::atomic<bool> ready_{false};
  nlohmann::json info_;
  std::vector<std::string> labels_;
  ServeOptions options_;
};

}  // namespace attune::serving
