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
//   GET /health  -> {"status": "ok", "model": dir, "labels": n}
//   GET /labels  -> {"labels": [...]}
//
// Errors are JSON {"error": "..."}: 400 malformed JSON or a missing / ill-typed field, 413 a body, a text or
// a list too large, 404 an unknown path, 405 a known path with the wrong method, 500 a scoring failure.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "inference/auditd.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "serving/request_batcher.h"

namespace httplib {
class Server;
}

namespace attune::serving {

// serve's answers for a loaded model: tokenizes with its preprocessing (lower-casing, max_length), applies
// its operating point where it has one (reset it for argmax), and returns prediction_json() per text.
// settings.temperature should be the model's. `model` must outlive the function.
ScoreFn model_scorer(const inference::LoadedModel& model, const inference::InferenceSettings& settings);

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 0;                              // 0: any free port
  std::size_t max_body_bytes = 1 << 20;      // 413 above
  std::size_t max_text_bytes = 64 << 10;     // 413 above, per text
  std::size_t max_texts = 1024;              // 413 above, per request
  std::size_t max_batch = 64;                // texts per forward pass
  std::chrono::microseconds max_wait{2000};  // batching wait
  // HTTP worker threads. A keep-alive connection holds one while it is open (idle ones close after 5 s), so
  // this bounds the clients served at once: later connections wait for a free thread.
  int max_concurrent = 32;
  std::size_t keep_alive_requests = 10000;  // requests one connection may send before the server closes it
};

// An HTTP error to answer with: status and message.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

// The texts of a POST /api body, and whether it was the list form or audit records. Throws HttpError
// (400 / 413).
struct ApiRequest {
  std::vector<std::string> texts;
  bool list = false;
  bool auditd = false;
  std::vector<inference::AuditCommand> commands;  // auditd: the event of each text, in order
  std::vector<inference::AuditIssue> skipped;     // auditd: lines that gave no text, and why
};
ApiRequest parse_api_request(const std::string& body, const ServeOptions& options);

class ApiServer {
 public:
  // info: the /health answer; labels: the /labels answer.
  ApiServer(ScoreFn score, nlohmann::json info, std::vector<std::string> labels, ServeOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port and returns the port (the picked one for port 0); InputError when it cannot bind.
  int bind();
  // Serves until stop(); then finishes in-flight requests and the batcher. Returns false on a socket error.
  bool listen();
  // Safe from any thread, before or during listen().
  void stop();

 private:
  void routes();
  std::unique_ptr<httplib::Server> http_;
  RequestBatcher batcher_;
  nlohmann::json info_;
  std::vector<std::string> labels_;
  ServeOptions options_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> listen_entered_{false};
  std::atomic<bool> listen_returned_{false};
};

}  // namespace attune::serving
