// serving/loadgen: URLs, latency percentiles (numpy's linear interpolation, checked against values worked
// out by hand), the request plan, the result's JSON and text, and run_load against an in-process ApiServer
// with a stand-in scorer.
#include <gtest/gtest.h>

#include <numeric>
#include <set>
#include <thread>

#include "base/errors.h"
#include "serving/api_server.h"
#include "serving/loadgen.h"

namespace {

using namespace attune::serving;
using nlohmann::json;

TEST(LoadgenUrl, SplitsHostPortAndPath) {
  auto u = parse_http_url("http://127.0.0.1:8080/api");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.path, "/api");
  u = parse_http_url("http://localhost");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "/");
  u = parse_http_url("http://example.org:1/a/b?x=1");
  EXPECT_EQ(u.port, 1);
  EXPECT_EQ(u.path, "/a/b?x=1");
}

TEST(LoadgenUrl, HttpsDefaultsToPort443) {
  auto u = parse_http_url("https://127.0.0.1:8443/api");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/api");
  u = parse_http_url("https://h");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_FALSE(parse_http_url("http://h").tls);
}

TEST(LoadgenUrl, RejectsWhatItCannotSpeak) {
  for (const char* bad :
       {"httpx://127.0.0.1:8080/api", "127.0.0.1:8080/api", "http://:8080/api", "http://h:0/api",
        "http://h:65536/", "http://h:80x/", "http://h:/", "ftp://h/", "https://:443/"})
    EXPECT_THROW(parse_http_url(bad), attune::InputError) << bad;
  try {
    parse_http_url("ftp://h/");
    FAIL();
  } catch (const attune::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("http://HOST"), std::string::npos) << e.what();
  }
}

TEST(LoadgenStats, LinearPercentilesOfOneToHundred) {
  std::vector<double> samples(100);
  std::iota(samples.begin(), samples.end(), 1.0);
  std::reverse(samples.begin(), samples.end());  // order must not matter
  const auto s = latency_stats(samples);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  // Position q / 100 × 99 of the sorted samples: 49.5, 89.1, 98.01.
  EXPECT_DOUBLE_EQ(s.p50_ms, 50.5);
  EXPECT_NEAR(s.p90_ms, 90.1, 1e-9);
  EXPECT_NEAR(s.p99_ms, 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
}

TEST(LoadgenStats, SmallAndEmptySamples) {
  // Ten samples (positions q / 100 × 9): p50 halfway between the 5th and 6th smallest, p90 a tenth of the
  // way from the 9th to the 10th, p99 0.91 of that way.
  const auto s = latency_stats({7, 1, 9, 3, 5, 2, 8, 4, 10, 6});
  EXPECT_DOUBLE_EQ(s.p50_ms, 5.5);
  EXPECT_NEAR(s.p90_ms, 9.1, 1e-9);
  EXPECT_NEAR(s.p99_ms, 9.91, 1e-9);
  const auto one = latency_stats({2.5});
  EXPECT_DOUBLE_EQ(one.p50_ms, 2.5);
  EXPECT_DOUBLE_EQ(one.p99_ms, 2.5);
  EXPECT_DOUBLE_EQ(one.mean_ms, 2.5);
  const auto none = latency_stats({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_DOUBLE_EQ(none.p99_ms, 0);
  // Four samples, as numpy.percentile([1, 2, 3, 4], [50, 90, 99]): 2.5, 3.7, 3.97 (bench's definition).
  const auto four = latency_stats({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(four.p50_ms, 2.5);
  EXPECT_NEAR(four.p90_ms, 3.7, 1e-9);
  EXPECT_NEAR(four.p99_ms, 3.97, 1e-9);
  EXPECT_DOUBLE_EQ(four.max_ms, 4);
}

LoadPlan plan(std::size_t clients, std::size_t requests, std::size_t bodies) {
  LoadPlan p;
  p.concurrency = clients;
  p.requests = requests;
  for (std::size_t i = 0; i < bodies; ++i) p.bodies.push_back(std::to_string(i));
  return p;
}

TEST(LoadgenPlan, RequestsAreSharedWithinOne) {
  const auto p = plan(/*clients=*/3, /*requests=*/10, /*bodies=*/1);
  EXPECT_EQ(requests_for_client(p, 0), 4u);
  EXPECT_EQ(requests_for_client(p, 1), 3u);
  EXPECT_EQ(requests_for_client(p, 2), 3u);
  const auto q = plan(/*clients=*/8, /*requests=*/5, /*bodies=*/1);
  std::size_t total = 0;
  for (std::size_t c = 0; c < 8; ++c) total += requests_for_client(q, c);
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(requests_for_client(q, 7), 0u);
}

TEST(LoadgenPlan, BodiesAreSentInTurnFromStaggeredStarts) {
  const auto p = plan(/*clients=*/2, /*requests=*/8, /*bodies=*/4);
  EXPECT_EQ(body_index(p, 0, 0), 0u);
  EXPECT_EQ(body_index(p, 0, 5), 1u);
  EXPECT_EQ(body_index(p, 1, 0), 2u);
  EXPECT_EQ(body_index(p, 1, 3), 1u);
  // Every body equally often over a round.
  std::vector<int> sent(4, 0);
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t k = 0; k < 4; ++k) ++sent[body_index(p, c, k)];
  EXPECT_EQ(sent, std::vector<int>(4, 2));
}

TEST(LoadgenPlan, CheckNamesWhatIsWrong) {
  EXPECT_NO_THROW(check_plan(plan(1, 1, 1)));
  EXPECT_THROW(check_plan(plan(0, 1, 1)), attune::InputError);
  EXPECT_THROW(check_plan(plan(1, 1, 0)), attune::InputError);
  EXPECT_THROW(check_plan(plan(1, 0, 1)), attune::InputError);  // neither count nor duration
  auto both = plan(1, 1, 1);
  both.duration = std::chrono::milliseconds(10);
  EXPECT_THROW(check_plan(both), attune::InputError);
  auto timed = plan(1, 0, 1);
  timed.duration = std::chrono::milliseconds(10);
  EXPECT_NO_THROW(check_plan(timed));
}

TEST(LoadgenPlan, TextBodiesAreJsonObjects) {
  const auto bodies = text_bodies({"whoami", "a \"quoted\" \\ path\n"});
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(json::parse(bodies[0]), (json{{"text", "whoami"}}));
  EXPECT_EQ(json::parse(bodies[1])["text"], "a \"quoted\" \\ path\n");
}

TEST(LoadgenResult, SummaryJsonAndText) {
  const auto r = summarize(/*concurrency=*/2, /*seconds=*/2.0, {{1, 2, 3}, {4}},
                           {{{"503", 1}}, {{"503", 2}, {"connection", 1}}});
  EXPECT_EQ(r.sent, 8u);
  EXPECT_EQ(r.succeeded, 4u);
  EXPECT_EQ(r.failed(), 4u);
  EXPECT_DOUBLE_EQ(r.requests_per_second(), 2.0);
  const auto j = json::parse(result_json(r).dump());
  EXPECT_EQ(j["requests"], 8);
  EXPECT_EQ(j["errors"], (json{{"503", 3}, {"connection", 1}}));
  EXPECT_DOUBLE_EQ(j["latency_ms"]["p50"].get<double>(), 2.5);  // of {1, 2, 3, 4}
  EXPECT_DOUBLE_EQ(j["latency_ms"]["max"].get<double>(), 4);
  const auto text = result_text(r, "http://h/api");
  EXPECT_NE(text.find("requests/s   2.0"), std::string::npos) << text;
  EXPECT_NE(text.find("503: 3, connection: 1"), std::string::npos) << text;
  EXPECT_NE(result_text(summarize(1, 1.0, {{1}}, {{}}), "u").find("errors       none"), std::string::npos);
}

// An ApiServer on a free loopback port whose scorer answers {"label": "x", "n": <texts in the call>}.
class LoadgenServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ScoreFn score = [](const std::vector<std::string>& texts) {
      return std::vector<json>(texts.size(), json{{"label", "x"}, {"n", texts.size()}});
    };
    ServeOptions options;
    options.max_concurrent = 4;
    server_ =
        std::make_unique<ApiServer>(score, json{{"status", "ok"}}, std::vector<std::string>{"x"}, options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->listen(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  HttpUrl url() const { return {"127.0.0.1", port_, "/api"}; }

  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(LoadgenServer, CountedRunAnswersEveryRequest) {
  auto p = plan(/*clients=*/4, /*requests=*/41, /*bodies=*/0);
  p.bodies = text_bodies({"whoami", "ipconfig /all", "net user"});
  p.warmup = 2;
  const auto r = run_load(url(), p, std::chrono::seconds(10));
  EXPECT_EQ(r.sent, 41u);
  EXPECT_EQ(r.succeeded, 41u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.latency.count, 41u);
  EXPECT_GT(r.seconds, 0);
  EXPECT_LE(r.latency.p50_ms, r.latency.p99_ms);
  EXPECT_LE(r.latency.p99_ms, r.latency.max_ms);
}

TEST_F(LoadgenServer, TimedRunAndErrorsByStatus) {
  auto p = plan(/*clients=*/2, /*requests=*/0, /*bodies=*/0);
  p.duration = std::chrono::milliseconds(200);
  p.bodies = {"{\"text\": \"whoami\"}", "{\"txt\": 1}"};  // the second is a 400
  const auto r = run_load(url(), p, std::chrono::seconds(10));
  EXPECT_GT(r.succeeded, 0u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors.at("400"), 0u);
  EXPECT_EQ(r.sent, r.succeeded + r.errors.at("400"));
  EXPECT_GE(r.seconds, 0.2);

  auto wrong_path = plan(1, 3, 1);
  const auto missing = run_load({"127.0.0.1", port_, "/nope"}, wrong_path, std::chrono::seconds(10));
  EXPECT_EQ(missing.errors.at("404"), 3u);
  EXPECT_EQ(missing.succeeded, 0u);
}

TEST_F(LoadgenServer, RefusedConnectionsCountAsTransportErrors) {
  // Stopped as soon as it started (perhaps before it listened): its port must refuse connections.
  const int port = port_;
  server_->stop();
  thread_.join();
  thread_ = std::thread([] {});
  const auto r = run_load({"127.0.0.1", port, "/api"}, plan(2, 4, 1), std::chrono::seconds(2));
  EXPECT_EQ(r.succeeded, 0u);
  EXPECT_EQ(r.sent, 4u);
  ASSERT_EQ(r.errors.size(), 1u) << result_text(r, "u");
  EXPECT_EQ(r.errors.begin()->first, "connection");
}

}  // namespace
