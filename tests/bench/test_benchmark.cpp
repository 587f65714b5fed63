// The pure parts of `bench`: statistics (the percentile itself: tests/base/test_stats.cpp), the reference's
// FLOP model, workload and phase parsing, output.
#include "bench/benchmark.h"

#include <gtest/gtest.h>

#include <set>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::bench {
namespace {

TEST(Benchmark, SummarizeGivesMeanMedianTailAndRange) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  const auto s = summarize(v);
  EXPECT_EQ(s.n, 100u);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.median, 50.5);
  EXPECT_NEAR(s.p99, 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_EQ(summarize({}).n, 0u);
}

TEST(Benchmark, ForwardFlopsMatchTheReferenceFigure) {
  // ../shared/reference: deberta-v3-base BitFit fp32 inference, every batch padded to T = 48:
  // flop_params tok_frozen 84934656, head 589824 + 3072, 12 layers, hidden 768 ->
  // flops_fwd_per_sample 8239847424.
  FlopModel m{/*token_matmul=*/84934656, /*head_matmul=*/589824 + 3072, /*layers=*/12, /*hidden=*/768};
  EXPECT_DOUBLE_EQ(forward_flops(m, 48), 8239847424.0);
  // roberta-base BitFit fp32 seed (T = 128): 22348437504.
  FlopModel r{84934656, 592896, 12, 768};
  EXPECT_DOUBLE_EQ(forward_flops(r, 128), 22348437504.0);
}

TEST(Benchmark, WorkloadsHaveUniqueNamesAndTheReferenceRows) {
  std::set<std::string> names;
  for (const auto& w : builtin_workloads()) {
    EXPECT_TRUE(names.insert(w.name).second) << w.name;
    EXPECT_FALSE(w.description.empty()) << w.name;
    // An exported workload times the dir's own weights: no method is applied.
    EXPECT_TRUE(w.exported ? w.method.empty() : (w.method == "lora" || w.method == "bitfit")) << w.name;
  }
  const auto& lora = find_workload("roberta-lora-bf16");
  EXPECT_EQ(lora.model_type, "roberta");
  EXPECT_DOUBLE_EQ(lora.ref_train, 15.65);
  EXPECT_DOUBLE_EQ(lora.target_train, 31);
  EXPECT_EQ(lora.pad_to, 0);
  EXPECT_EQ(find_workload("roberta-lora-bf16-pad128").pad_to, 128);
  EXPECT_EQ(find_workload("deberta-lora-bf16").model_type, "deberta-v2");
  EXPECT_EQ(find_workload("roberta-bitfit-bf16").method, "bitfit");
  EXPECT_EQ(find_workload("model-lora-bf16-4class").model_type, "");
  EXPECT_EQ(find_workload("model-lora-bf16-4class").lengths, LengthSource::kCsv);
  EXPECT_FALSE(lora.exported);
  EXPECT_EQ(lora.default_phases, "gemm,train,infer,latency");
  const auto& request = find_workload("exported-request");
  EXPECT_TRUE(request.exported);
  EXPECT_TRUE(request.bf16);
  EXPECT_EQ(request.default_phases, "latency");
  EXPECT_TRUE(find_workload("exported-request-fp32").exported);
  EXPECT_FALSE(find_workload("exported-request-fp32").bf16);
}

TEST(Benchmark, ExportedWorkloadsRunGemmAndLatencyOnly) {
  const auto& request = find_workload("exported-request");
  EXPECT_NO_THROW(check_phases(request, parse_phases("gemm,latency")));
  EXPECT_NO_THROW(check_phases(request, parse_phases(request.default_phases)));
  EXPECT_THROW(check_phases(request, parse_phases("latency,infer")), InputError);
  try {
    check_phases(request, parse_phases("train"));
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("exported-request"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_phases(find_workload("roberta-lora-bf16"), parse_phases("gemm,train,infer,latency")));
}

TEST(Benchmark, UnknownWorkloadNamesTheKnownOnes) {
  try {
    find_workload("roberta-fast");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("roberta-fast"), std::string::npos) << what;
    EXPECT_NE(what.find("roberta-lora-bf16"), std::string::npos) << what;
    EXPECT_NE(what.find("--list"), std::string::npos) << what;
  }
}

TEST(Benchmark, PhasesParseInRunOrderWithoutDuplicates) {
  EXPECT_EQ(parse_phases("latency,train,train"), (std::vector<std::string>{"train", "latency"}));
  EXPECT_EQ(parse_phases("gemm,train,infer,latency").size(), 4u);
  EXPECT_THROW(parse_phases("train,speed"), InputError);
  EXPECT_THROW(parse_phases(""), InputError);
  EXPECT_THROW(parse_phases(",,"), InputError);
}

TEST(Benchmark, CompareNoteGivesRatioAndTargetShare) {
  EXPECT_EQ(compare_note(31.3, 15.65, 31.3), "ref 15.65 (x2), target 31.3 (100%)");
  EXPECT_EQ(compare_note(10, 0, 20), "target 20 (50%)");
  EXPECT_EQ(compare_note(10, 0, 0), "");
}

TEST(Benchmark, FiguresFormatAsLinesAndJson) {
  const Figure f{"train_samples_per_s", 12.345, "samples/s", "(note)"};
  const auto line = format_figure(f);
  EXPECT_EQ(line.rfind("train_samples_per_s", 0), 0u) << line;
  EXPECT_NE(line.find("12.35 samples/s"), std::string::npos) << line;
  EXPECT_NE(line.find("(note)"), std::string::npos) << line;
  EXPECT_EQ(format_figure({"x", 1234.56, "MiB", ""}).find(' ', 30) != std::string::npos, true);
  const auto stage = format_figure({"latency_tokenize_p50_ms", 0.0061, "ms", "", /*decimals=*/3});
  EXPECT_NE(stage.find(" 0.006 ms"), std::string::npos) << stage;
  const auto j = figures_json({f, {"latency_p50_ms", 7.5, "ms", ""}});
  EXPECT_DOUBLE_EQ(j.at("train_samples_per_s").get<double>(), 12.345);
  EXPECT_DOUBLE_EQ(j.at("latency_p50_ms").get<double>(), 7.5);
  EXPECT_EQ(j.at("notes").at("train_samples_per_s"), "(note)");
  EXPECT_FALSE(j.at("notes").contains("latency_p50_ms"));
}

}  // namespace
}  // namespace attune::bench
