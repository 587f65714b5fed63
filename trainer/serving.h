// The logic of `serve`: an HTTP API (cpp-httplib) over a request batcher. Requests that arrive together are
// scored in one forward pass: handler threads queue their texts and wait on a future; one model worker
// takes what is queued (up to max_batch texts, waiting at most max_wait for more) and answers them all.
//
//   POST /api    {"text": "..."}          -> {"label", "score", "probabilities": {label: p}}
//                {"texts": ["...", ...]}  -> [{"label", "score", "probabilities"}, ...]
//   GET /health  -> {"status": "ok", "model": dir, "labels": n}
//   GET /labels  -> {"labels": [...]}
//
// Errors are JSON {"error": "..."}: 400 malformed JSON or a missing / ill-typed field, 413 a body, a text or
// a list too large, 404 an unknown path, 405 a known path with the wrong method, 500 a scoring failure.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>

#include "trainer/evaluation.h"
#include "trainer/model_dir.h"

namespace httplib {
class Server;
}

namespace attune::trainer {

// Scores texts: one JSON answer per text, in order.
using ScoreFn = std::function<std::vector<nlohmann::json>(const std::vector<std::string>& texts)>;

// serve's answers for a loaded model: tokenizes with its preprocessing (lower-casing, max_length) and
// returns prediction_json() per text. `model` must outlive the function.
ScoreFn model_scorer(const LoadedModel& model, const InferenceSettings& settings);

// Gathers the texts of requests that arrive together into one ScoreFn call, on one worker thread.
class RequestBatcher {
 public:
  // max_batch: texts per call (a larger single request is scored alone, whole). max_wait: how long the
  // worker may hold queued requests for more to join them. It holds them only under concurrent load — when
  // its last call answered several requests, and then only until as many are queued again (or max_batch
  // texts): a request that arrives at an idle server after one that came alone is scored at once, and
  // while a call runs, the requests arriving meanwhile queue up for the next one whatever max_wait is.
  RequestBatcher(ScoreFn score, std::size_t max_batch, std::chrono::microseconds max_wait);
  ~RequestBatcher();
  RequestBatcher(const RequestBatcher&) = delete;
  RequestBatcher& operator=(const RequestBatcher&) = delete;

  // The answers for `texts`, in order; the future holds ScoreFn's exception if it threw. Throws
  // std::runtime_error once stop() was called.
  std::future<std::vector<nlohmann::json>> submit(std::vector<std::string> texts);
  // Answers everything queued, then ends the worker. Idempotent.
  void stop();
  // ScoreFn calls so far.
  std::size_t calls() const { return calls_; }

 private:
  struct Pending {
    std::vector<std::string> texts;
    std::promise<std::vector<nlohmann::json>> answer;
  };
  void work();
  void score(std::vector<Pending>& taken);

  ScoreFn score_;
  std::size_t max_batch_;
  std::chrono::microseconds max_wait_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::size_t queued_texts_ = 0;
  bool stopping_ = false;
  std::size_t last_requests_ = 1;  // requests the last ScoreFn call answered
  std::atomic<std::size_t> calls_{0};
  std::thread worker_;
};

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

// The texts of a POST /api body, and whether it was the list form. Throws HttpError (400 / 413).
struct ApiRequest {
  std::vector<std::string> texts;
  bool list = false;
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

// SIGTERM / SIGINT as a stop request: a handler (any thread may run it) writes the signal to a pipe that a
// waiting thread reads, so no signal mask has to be set before threads start. One instance at a time;
// the previous handlers come back when it is destroyed.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Calls `fn` (once) on the waiting thread when SIGTERM or SIGINT arrives.
  void on_signal(std::function<void()> fn);
  // Ends the waiting thread without calling fn (if no signal came yet). Idempotent; the destructor calls it.
  void stop_waiting();
  // The signal that arrived, 0 if none.
  int received() const { return received_; }

 private:
  int pipe_[2] = {-1, -1};
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
  std::thread waiter_;
  std::atomic<int> received_{0};
};

}  // namespace attune::trainer
