// trainer/serving: the RequestBatcher's idle path (a lone request is scored at once, whatever max_wait is),
// its batching under load (requests that queue during a call are answered by one next call), answers in
// order, errors handed to every waiting request; and parse_api_request's statuses.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "serving/api_server.h"

namespace {

using namespace attune::serving;
using namespace attune::inference;
using nlohmann::json;
using namespace std::chrono_literals;

// A scorer that answers each text with {"text": t, "call": k} and records how many texts each call got;
// the first call sleeps `first_call` (to let requests queue behind it).
struct Recorder {
  std::chrono::milliseconds first_call{0};
  std::mutex mutex;
  std::vector<std::size_t> call_sizes;

  ScoreFn fn() {
    return [this](const std::vector<std::string>& texts) {
      std::size_t call;
      {
        std::lock_guard<std::mutex> lock(mutex);
        call = call_sizes.size();
        call_sizes.push_back(texts.size());
      }
      if (call == 0) std::this_thread::sleep_for(first_call);
      std::vector<json> out;
      for (const auto& t : texts) out.push_back({{"text", t}, {"call", call}});
      return out;
    };
  }
};

TEST(RequestBatcher, LoneRequestIsScoredAtOnce) {
  Recorder recorder;
  // A long max_wait: an idle server that held a lone request for company would take a second.
  RequestBatcher batcher(recorder.fn(), /*max_batch=*/64, /*max_wait=*/1s);
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto answer = batcher.submit({"whoami"});
    ASSERT_EQ(answer.wait_for(500ms), std::future_status::ready) << "request " << i << " waited for company";
    EXPECT_EQ(answer.get().at(0)["text"], "whoami");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  }
  EXPECT_EQ(batcher.calls(), 3u);
}

TEST(RequestBatcher, RequestsQueuedDuringACallShareTheNext) {
  Recorder recorder;
  recorder.first_call = 300ms;
  RequestBatcher batcher(recorder.fn(), /*max_batch=*/64, /*max_wait=*/0us);
  auto first = batcher.submit({"a"});
  std::this_thread::sleep_for(100ms);  // the first call is running
  auto second = batcher.submit({"b", "c"});
  auto third = batcher.submit({"d"});
  const auto b = second.get(), d = third.get();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]["text"], "b");
  EXPECT_EQ(b[1]["text"], "c");
  EXPECT_EQ(d.at(0)["text"], "d");
  EXPECT_EQ(first.get().at(0)["call"], 0);
  EXPECT_EQ(b[0]["call"], 1);
  EXPECT_EQ(d[0]["call"], 1);
  EXPECT_EQ(recorder.call_sizes, (std::vector<std::size_t>{1, 3}));
}

TEST(RequestBatcher, UnderLoadWaitsForAsManyRequestsAsLastTime) {
  Recorder recorder;
  recorder.first_call = 300ms;
  RequestBatcher batcher(recorder.fn(), /*max_batch=*/64, /*max_wait=*/5s);
  auto warm = batcher.submit({"a"});  // alone: at once
  std::this_thread::sleep_for(100ms);
  auto x = batcher.submit({"b"});  // two requests queue during the first call ...
  auto y = batcher.submit({"c"});
  warm.get();
  x.get();
  y.get();  // ... and are answered together: the last call had company
  // Now one request arrives, then another: the worker holds the first for the second (up to max_wait).
  const auto start = std::chrono::steady_clock::now();
  auto p = batcher.submit({"d"});
  std::this_thread::sleep_for(100ms);
  auto q = batcher.submit({"e"});
  EXPECT_EQ(p.get().at(0)["call"], q.get().at(0)["call"]);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "held past the second arrival";
  EXPECT_EQ(recorder.call_sizes, (std::vector<std::size_t>{1, 2, 2}));
}

TEST(RequestBatcher, BatchesStayWithinMaxBatchAndErrorsReachEveryone) {
  Recorder recorder;
  recorder.first_call = 200ms;
  RequestBatcher batcher(recorder.fn(), /*max_batch=*/3, /*max_wait=*/0us);
  auto first = batcher.submit({"a"});
  std::this_thread::sleep_for(50ms);
  std::vector<std::future<std::vector<json>>> rest;
  for (const char* t : {"b", "c", "d", "e"}) rest.push_back(batcher.submit({t}));
  auto big = batcher.submit({"1", "2", "3", "4", "5"});  // larger than max_batch: scored alone, whole
  for (auto& f : rest) f.get();
  EXPECT_EQ(big.get().size(), 5u);
  first.get();
  EXPECT_EQ(recorder.call_sizes, (std::vector<std::size_t>{1, 3, 1, 5}));

  RequestBatcher failing(
      [](const std::vector<std::string>&) -> std::vector<json> { throw std::runtime_error("boom"); },
      /*max_batch=*/8, /*max_wait=*/0us);
  auto f = failing.submit({"x"});
  EXPECT_THROW(f.get(), std::runtime_error);
  failing.stop();
  EXPECT_THROW(failing.submit({"y"}), std::runtime_error);
}

TEST(ParseApiRequest, FormsAndStatuses) {
  ServeOptions options;
  options.max_texts = 2;
  options.max_text_bytes = 10;
  const auto one = parse_api_request(R"({"text": "whoami"})", options);
  EXPECT_FALSE(one.list);
  EXPECT_EQ(one.texts, std::vector<std::string>{"whoami"});
  const auto two = parse_api_request(R"({"texts": ["a", "b"]})", options);
  EXPECT_TRUE(two.list);
  EXPECT_EQ(two.texts.size(), 2u);
  auto status = [&](const std::string& body) {
    try {
      parse_api_request(body, options);
    } catch (const HttpError& e) {
      return e.status;
    }
    return 200;
  };
  EXPECT_EQ(status("{"), 400);
  EXPECT_EQ(status(R"({"text": 1})"), 400);
  EXPECT_EQ(status(R"({"text": "a", "texts": ["b"]})"), 400);
  EXPECT_EQ(status(R"({"text": "   "})"), 400);
  EXPECT_EQ(status(R"({"text": "\u0000"})"), 400);
  EXPECT_EQ(status(R"({"text": "0123456789A"})"), 413);
  EXPECT_EQ(status(R"({"texts": ["a", "b", "c"]})"), 413);
}

}  // namespace
