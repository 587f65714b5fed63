// Gathers the texts of requests that arrive together into one scoring call on one worker thread, so that
// concurrent requests share a forward pass (serve's model worker).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace attune::serving {

// Scores texts: one JSON answer per text, in order.
using ScoreFn = std::function<std::vector<nlohmann::json>(const std::vector<std::string>& texts)>;

// One ScoreFn call per group of requests that arrive together.
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

}  // namespace attune::serving
