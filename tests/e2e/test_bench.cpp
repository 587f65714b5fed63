// bench end to end: the executable runs on jemalloc as configured in tools/cli/allocator.cpp, its default
// batching groups rows as train does (length buckets: less padding than the reference's random batches over
// the same rows), and the exported-request workloads time one request to an exported dir stage by stage.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "e2e/e2e_util.h"
#include "e2e/tiny_classifier.h"
#include "test_paths.h"

namespace attune::testing {
namespace {

// bench's --json object: the output's last lines (the re-executed process prints nothing before it).
nlohmann::json bench_json(const ToolRun& r) {
  const auto start = r.output.find("{\n");
  EXPECT_NE(start, std::string::npos) << r.output;
  return start == std::string::npos ? nlohmann::json::object()
                                    : nlohmann::json::parse(r.output.substr(start));
}

// The "mean padded T" bench writes into the note of train_samples_per_s.
double mean_padded_t(const nlohmann::json& out) {
  const std::string note = out["figures"]["notes"]["train_samples_per_s"];
  std::smatch m;
  EXPECT_TRUE(std::regex_search(note, m, std::regex("mean padded T ([0-9.]+)"))) << note;
  return m.empty() ? 0 : std::stod(m[1]);
}

TEST(BenchE2E, RunsOnJemallocAndBucketsRowsAsTrainDoes) {
  const auto dir = temp_dir("bench-e2e");
  auto run = [&](const std::string& batching) {
    const auto r = run_tool("bench",
                            {"roberta-lora-bf16", "--phases", "train", "--warmup", "0", "--steps", "2",
                             "--threads", "1", "--batching", batching, "--json"},
                            {}, dir / ("bench-" + batching + ".log"));
    EXPECT_EQ(r.status, 0) << r.output;
    return bench_json(r);
  };
  const auto bucketed = run("bucketed");
  const std::string allocator = bucketed.value("allocator", "");
  EXPECT_NE(allocator.find("jemalloc"), std::string::npos) << allocator;
  EXPECT_NE(allocator.find("dirty_decay_ms -1"), std::string::npos) << allocator;
  EXPECT_NE(bucketed.value("batching", "").find("bucketed"), std::string::npos);
  EXPECT_GT(bucketed["figures"].value("train_samples_per_s", 0.0), 0.0);
  const auto random = run("random");
  EXPECT_NE(random.value("batching", "").find("random rows"), std::string::npos);
  // Same 64 rows (lengths 12..48): buckets pad far less than random batches (each padded to ~47).
  EXPECT_LT(mean_padded_t(bucketed) + 4, mean_padded_t(random));
}

TEST(BenchE2E, ExportedRequestReportsPercentilesAndStages) {
  ATTUNE_REQUIRE_SHARED("tokenizers/roberta-base");
  const auto model = write_tiny_classifier("bench-exported", /*seed=*/11, /*initializer_range=*/0.5,
                                           /*lowercase=*/true);
  const auto dir = temp_dir("bench-exported-run");
  const std::vector<std::string> base = {"--model", model.string(), "--threads", "1"};
  auto bench = [&](const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> all = args;
    all.insert(all.end(), base.begin(), base.end());
    return run_tool("bench", all, {}, dir / log);
  };

  const auto r = bench({"exported-request-fp32", "--latency-runs", "7", "--json", "--text",
                        "reg save HKLM\\SAM C:\\Windows\\Temp\\sam.save"},
                       "json.log");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = bench_json(r);
  EXPECT_EQ(j["latency_runs"], 7);
  EXPECT_EQ(j["request_text"], "reg save HKLM\\SAM C:\\Windows\\Temp\\sam.save");
  const auto& f = j["figures"];
  EXPECT_FALSE(f.contains("train_samples_per_s")) << f.dump();  // latency only, by default
  const std::string note = f["notes"].value("latency_p50_ms", "");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(note, m, std::regex("([0-9]+) tokens, ([0-9]+) runs"))) << note;
  EXPECT_GT(std::stoi(m[1]), 2);  // <s> ... </s>
  EXPECT_EQ(std::stoi(m[2]), 7);
  EXPECT_GT(f["latency_p50_ms"].get<double>(), 0);
  EXPECT_LE(f["latency_p50_ms"].get<double>(), f["latency_p90_ms"].get<double>());
  EXPECT_LE(f["latency_p90_ms"].get<double>(), f["latency_p99_ms"].get<double>());
  EXPECT_LE(f["latency_p99_ms"].get<double>(), f["latency_max_ms"].get<double>());
  double stages = 0;
  for (const char* stage : {"request_json", "tokenize", "forward", "answer_json"}) {
    const std::string key = "latency_" + std::string(stage) + "_p50_ms";
    ASSERT_TRUE(f.contains(key)) << f.dump();
    stages += f[key].get<double>();
  }
  EXPECT_GT(f["latency_forward_p50_ms"].get<double>(), 0);
  EXPECT_LE(stages, f["latency_max_ms"].get<double>() * 4);  // stage medians are parts of a request's time

  const auto text = bench({"exported-request", "--latency-runs", "3", "--text", "whoami"}, "text.log");
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("latency_p50_ms"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("latency_forward_p50_ms"), std::string::npos) << text.output;

  // Bad usage: no --model, a phase it cannot run, a text for a workload that times none.
  const auto no_model = run_tool("bench", {"exported-request"}, {}, dir / "no-model.log");
  EXPECT_EQ(no_model.status, 2) << no_model.output;
  EXPECT_NE(no_model.output.find("--model"), std::string::npos) << no_model.output;
  EXPECT_EQ(bench({"exported-request", "--phases", "train"}, "train.log").status, 2);
  EXPECT_EQ(run_tool("bench", {"roberta-lora-bf16", "--text", "x"}, {}, dir / "text-x.log").status, 2);
}

}  // namespace
}  // namespace attune::testing
