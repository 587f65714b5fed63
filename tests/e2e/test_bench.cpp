// bench end to end: the executable runs on jemalloc as configured in tools/cli/allocator.cpp, and its
// default batching groups rows as train does (length buckets: less padding than the reference's random
// batches over the same rows).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "e2e/e2e_util.h"
#include "test_paths.h"

namespace attune::testing {
namespace {

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
    // The JSON object is the output's last lines (the re-executed process prints nothing before it).
    const auto start = r.output.find("{\n");
    EXPECT_NE(start, std::string::npos) << r.output;
    return start == std::string::npos ? nlohmann::json::object()
                                      : nlohmann::json::parse(r.output.substr(start));
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

}  // namespace
}  // namespace attune::testing
