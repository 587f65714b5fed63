#include "serving/request_batcher.h"

#include <algorithm>
#include <stdexcept>

namespace attune::serving {

RequestBatcher::RequestBatcher(ScoreFn score, std::size_t max_batch, std::chrono::microseconds max_wait)
    : score_(std::move(score)), max_batch_(std::max<std::size_t>(1, max_batch)), max_wait_(max_wait) {
  worker_ = std::thread([this] { work(); });
}

RequestBatcher::~RequestBatcher() {
  stop();
}

std::future<std::vector<nlohmann::json>> RequestBatcher::submit(std::vector<std::string> texts) {
  Pending pending;
  pending.texts = std::move(texts);
  auto future = pending.answer.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw std::runtime_error("the server is stopping");
    queued_texts_ += pending.texts.size();
    queue_.push_back(std::move(pending));
  }
  wake_.notify_all();
  return future;
}

void RequestBatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void RequestBatcher::work() {
  for (;;) {
    std::vector<Pending> taken;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      // Under concurrent load (the last call answered several requests) give as many requests as that a
      // moment to gather; a request that came alone after one that came alone runs at once.
      if (max_wait_.count() > 0 && last_requests_ > 1)
        wake_.wait_for(lock, max_wait_, [&] {
          return stopping_ || queued_texts_ >= max_batch_ || queue_.size() >= last_requests_;
        });
      std::size_t texts = 0;
      while (!queue_.empty() && (taken.empty() || texts + queue_.front().texts.size() <= max_batch_)) {
        texts += queue_.front().texts.size();
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_texts_ -= texts;
      last_requests_ = taken.size();
    }
    score(taken);
  }
}

void RequestBatcher::score(std::vector<Pending>& taken) {
  std::vector<std::string> texts;
  for (const auto& p : taken) texts.insert(texts.end(), p.texts.begin(), p.texts.end());
  std::size_t answered = 0;
  try {
    ++calls_;
    const auto results = score_(texts);
    if (results.size() != texts.size())
      throw std::logic_error("scoring returned " + std::to_string(results.size()) + " answers for " +
                             std::to_string(texts.size()) + " texts");
    std::size_t at = 0;
    for (auto& p : taken) {
      const auto n = static_cast<std::ptrdiff_t>(p.texts.size());
      p.answer.set_value({results.begin() + static_cast<std::ptrdiff_t>(at),
                          results.begin() + static_cast<std::ptrdiff_t>(at) + n});
      at += p.texts.size();
      ++answered;
    }
  } catch (...) {
    for (std::size_t i = answered; i < taken.size(); ++i)
      taken[i].answer.set_exception(std::current_exception());
  }
}

}  // namespace attune::serving
