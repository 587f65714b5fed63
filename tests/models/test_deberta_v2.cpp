// DebertaV2ForSequenceClassification against Hugging Face's own tensors (../shared/golden/deberta_v2 with
// position_buckets=256, deberta_v2_pb8 with position_buckets=8 = the log-bucket path): logits, pooled output,
// every hidden state, attention probabilities, loss and the gradient of every parameter.
#include "models/deberta_v2.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "base/errors.h"
#include "fused_qkv_check.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "models/safetensors.h"
#include "test_paths.h"

namespace attune::models {
namespace {

// Forward tensors (logits, pooled output, hidden states, attentions, loss) and gradients, fp32
// (golden/README.md "Tolerances"; the reference's own fp32-vs-fp64 noise is ~1e-6).
constexpr double kForwardAtol = 1e-5;
constexpr double kForwardRtol = 1e-4;
constexpr double kGradAtol = 1e-5;
constexpr double kGradRtol = 1e-3;
// bf16 autocast logits vs fp32 golden logits (bf16 keeps ~3 significant digits; logits are O(1)).
constexpr double kBf16LogitsAtol = 3e-2;

// The largest |actual - expected| per tensor family, printed at the end of a golden test.
class ErrorTable {
 public:
  void check(const std::string& family, const std::string& name, const torch::Tensor& actual,
             const torch::Tensor& expected, double atol, double rtol) {
    ASSERT_TRUE(actual.defined()) << name << " is undefined";
    ASSERT_EQ(actual.sizes(), expected.sizes()) << name;
    const auto a = actual.detach().to(torch::kDouble), e = expected.to(torch::kDouble);
    const double err = (a - e).abs().max().item<double>();
    worst_[family] = std::max(worst_[family], err);
    const auto excess = ((a - e).abs() - (atol + rtol * e.abs())).max().item<double>();
    EXPECT_LE(excess, 0.0) << name << ": max abs error " << err << " (atol " << atol << ", rtol " << rtol
                           << ")";
  }
  void print(const std::string& title) const {
    std::printf("[ %s ] largest abs error per tensor family:\n", title.c_str());
    for (const auto& [family, err] : worst_) std::printf("    %-28s %.3e\n", family.c_str(), err);
  }

 private:
  std::map<std::string, double> worst_;
};

// Rows of [B, T, ...] where mask [B, T] is 1 -> [N, ...].
torch::Tensor real_rows(const torch::Tensor& t, const torch::Tensor& mask) {
  return t.index({mask.to(torch::kBool)});
}

// attentions [B, heads, T, T] -> real query rows [N, heads, T].
torch::Tensor real_queries(const torch::Tensor& probs, const torch::Tensor& mask) {
  return real_rows(probs.permute({0, 2, 1, 3}), mask);
}

// "deberta.encoder.layer.0.attention.self.query_proj.weight" -> "query_proj.weight"
std::string last_two_parts(const std::string& key) {
  const auto last = key.rfind('.');
  const auto prev = last == std::string::npos || last == 0 ? std::string::npos : key.rfind('.', last - 1);
  return prev == std::string::npos ? key : key.substr(prev + 1);
}

void check_against_golden(const std::string& name) {
  const auto dir = testing::shared_dir() / "golden" / name;
  LoadReport report;
  auto model = load_model(dir, &report);
  EXPECT_TRUE(report.unused_keys.empty()) << report.unused_keys.front();
  EXPECT_TRUE(report.newly_initialized.empty()) << report.newly_initialized.front();
  const auto golden = SafetensorsFile::open(dir / "golden.safetensors");
  const auto ids = golden->get("input_ids"), mask = golden->get("attention_mask"),
             labels = golden->get("labels");
  ErrorTable errors;

  // Inference: model.eval()(input_ids, attention_mask), output_hidden_states and output_attentions.
  model->eval();
  EncoderOutput out;
  {
    torch::NoGradGuard no_grad;
    out = model->forward(ids, mask, /*token_type_ids=*/{},
                         ForwardOptions{/*output_hidden_states=*/true, /*output_attentions=*/true});
  }
  errors.check("logits", "logits", out.logits, golden->get("logits"), kForwardAtol, kForwardRtol);
  errors.check("pooled_output", "pooled_output", out.pooled_output, golden->get("pooled_output"),
               kForwardAtol, kForwardRtol);
  errors.check("last_hidden_state", "last_hidden_state", real_rows(out.last_hidden_state, mask),
               real_rows(golden->get("last_hidden_state"), mask), kForwardAtol, kForwardRtol);
  const int64_t layers = model->config.num_hidden_layers;
  ASSERT_EQ(out.hidden_states.size(), static_cast<size_t>(layers + 1));
  ASSERT_EQ(out.attentions.size(), static_cast<size_t>(layers));
  for (int64_t i = 0; i <= layers; ++i) {
    const auto key = "hidden_states." + std::to_string(i);
    errors.check(i == 0 ? "hidden_states.0 (emb)" : "hidden_states.i", key,
                 real_rows(out.hidden_states[i], mask), real_rows(golden->get(key), mask), kForwardAtol,
                 kForwardRtol);
  }
  for (int64_t i = 0; i < layers; ++i) {
    const auto key = "attentions." + std::to_string(i);
    const auto probs = real_queries(out.attentions[i], mask);  // [N, heads, T]
    errors.check("attentions", key, probs, real_queries(golden->get(key), mask), kForwardAtol, kForwardRtol);
    // Padded keys of real queries get exactly 0, as in HF (finfo.min before the softmax).
    const auto padded_keys =
        (mask == 0).repeat_interleave(mask.sum(1), /*dim=*/0).unsqueeze(1).expand_as(probs);
    EXPECT_EQ(probs.masked_select(padded_keys).abs().max().item<float>(), 0.0f) << key;
  }

  // Training: model.train() forward, mean cross-entropy with the golden labels, backward.
  model->train();
  model->zero_grad();
  const auto train_out = model->forward(ids, mask);
  const auto loss = torch::nn::functional::cross_entropy(train_out.logits, labels);
  errors.check("loss", "loss", loss, golden->get("loss"), kForwardAtol, kForwardRtol);
  loss.backward();
  size_t golden_grads = 0;
  for (const auto& n : golden->names()) golden_grads += n.rfind("grad.", 0) == 0 ? 1 : 0;
  const auto params = model->named_parameters();
  EXPECT_EQ(params.size(), golden_grads) << "parameters vs grad.* tensors in golden.safetensors";
  for (const auto& p : params) {
    const auto key = "grad." + p.key();
    ASSERT_TRUE(golden->contains(key)) << "no HF gradient for parameter " << p.key();
    ASSERT_TRUE(p.value().grad().defined()) << p.key() << " got no gradient";
    errors.check("grad " + last_two_parts(p.key()), key, p.value().grad(), golden->get(key), kGradAtol,
                 kGradRtol);
  }
  errors.print(name);
}

TEST(DebertaV2, MatchesHuggingFaceGoldenBuckets256) {
  ATTUNE_REQUIRE_SHARED("golden/deberta_v2");
  check_against_golden("deberta_v2");
}

TEST(DebertaV2, MatchesHuggingFaceGoldenLogBuckets8) {
  ATTUNE_REQUIRE_SHARED("golden/deberta_v2_pb8");
  check_against_golden("deberta_v2_pb8");
}

// PEFT's merge_and_unload() of the deberta_v2 LoRA adapter is a plain DeBERTa dir: its logits are HF's
// logits_merged (pooler.dense is merged too).
TEST(DebertaV2, MatchesHuggingFaceMergedLoraDir) {
  ATTUNE_REQUIRE_SHARED("golden/deberta_v2_lora/merged");
  const auto dir = testing::shared_dir() / "golden" / "deberta_v2_lora";
  auto model = load_model(dir / "merged");
  model->eval();
  const auto golden = SafetensorsFile::open(dir / "golden.safetensors");
  torch::NoGradGuard no_grad;
  const auto out = model->forward(golden->get("input_ids"), golden->get("attention_mask"));
  ErrorTable errors;
  errors.check("logits_merged", "logits_merged", out.logits, golden->get("logits_merged"), kForwardAtol,
               kForwardRtol);
  errors.print("deberta_v2_lora/merged");
}

// bf16 autocast on CPU (the training loop's mixed precision): logits near the fp32 reference, and the
// backward pass gives finite gradients for every parameter.
TEST(DebertaV2, Bf16AutocastStaysNearFp32) {
  ATTUNE_REQUIRE_SHARED("golden/deberta_v2_pb8");
  const auto dir = testing::shared_dir() / "golden" / "deberta_v2_pb8";
  auto model = load_model(dir);
  const auto golden = SafetensorsFile::open(dir / "golden.safetensors");
  const auto ids = golden->get("input_ids"), mask = golden->get("attention_mask");
  const bool was_enabled = at::autocast::is_cpu_enabled();
  const auto was_dtype = at::autocast::get_autocast_cpu_dtype();
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  model->train();
  const auto out = model->forward(ids, mask);
  const auto loss = torch::nn::functional::cross_entropy(out.logits.to(torch::kFloat), golden->get("labels"));
  loss.backward();
  at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(was_enabled);
  at::autocast::set_autocast_cpu_dtype(was_dtype);

  const auto expected = golden->get("logits");
  const double err = (out.logits.detach().to(torch::kFloat) - expected).abs().max().item<double>();
  std::printf("[ bf16 autocast ] max |logits - fp32 golden| = %.3e (tolerance %.1e), loss %.5f vs %.5f\n",
              err, kBf16LogitsAtol, loss.item<double>(), golden->get("loss").item<double>());
  EXPECT_LT(err, kBf16LogitsAtol);
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    EXPECT_EQ(p.value().grad().scalar_type(), torch::kFloat) << p.key();
  }
}

// A tiny DeBERTa-v3-style config (the golden models' shape) with `overrides` merged in.
HFConfig tiny_config(const nlohmann::json& overrides = nlohmann::json::object()) {
  nlohmann::json j = {{"model_type", "deberta-v2"},
                      {"vocab_size", 128},
                      {"hidden_size", 32},
                      {"num_hidden_layers", 2},
                      {"num_attention_heads", 4},
                      {"intermediate_size", 37},
                      {"max_position_embeddings", 64},
                      {"hidden_dropout_prob", 0.0},
                      {"attention_probs_dropout_prob", 0.0},
                      {"relative_attention", true},
                      {"position_buckets", 8},
                      {"pos_att_type", {"p2c", "c2p"}},
                      {"norm_rel_ebd", "layer_norm"},
                      {"share_att_key", true},
                      {"position_biased_input", false},
                      {"type_vocab_size", 0},
                      {"layer_norm_eps", 1e-7},
                      {"id2label", {{"0", "a"}, {"1", "b"}, {"2", "c"}}}};
  j.update(overrides);
  return parse_hf_config(j, "test config.json");
}

// HF's formula for bucket_size 8, max_position 64 (mid 4): |d| <= 4 stays, else
// sign(d) * (ceil(ln(|d| / 4) / ln(63 / 4) * 3) + 4), worked out by hand away from the ceil() boundaries.
TEST(DebertaV2, LogBucketPositionFollowsHFFormula) {
  const std::vector<int64_t> distance = {-40, -26, -25, -11, -10, -5, -4, -1, 0, 3, 4, 5, 10, 11, 25, 26, 40};
  const std::vector<int64_t> bucket = {-7, -7, -6, -6, -5, -5, -4, -1, 0, 3, 4, 5, 5, 6, 6, 7, 7};
  const auto got = make_log_bucket_position(torch::tensor(distance), /*bucket_size=*/8, /*max_position=*/64);
  EXPECT_TRUE(torch::equal(got.to(torch::kLong), torch::tensor(bucket))) << got;
  // Without buckets, rel[q, k] = q - k.
  const auto plain = build_relative_position(3, 3, /*bucket_size=*/-1, /*max_position=*/64);
  EXPECT_TRUE(torch::equal(plain, torch::tensor({0, -1, -2, 1, 0, -1, 2, 1, 0}).view({3, 3})));
}

// Only the rows of rel_embeddings[0 : 2*att_span] a length can reach are projected; the indices point into
// them.
TEST(DebertaV2, RelativePositionsSliceTheReachableRows) {
  const auto settings = relative_settings(tiny_config({{"position_buckets", 256}}));
  EXPECT_EQ(settings.att_span, 256);
  EXPECT_EQ(settings.max_relative_positions, 64);  // -1 -> max_position_embeddings
  const auto rel = build_relative_positions(/*T=*/16, settings);
  EXPECT_EQ(rel.first_row, 256 - 15);
  EXPECT_EQ(rel.num_rows, 31);
  EXPECT_EQ(rel.c2p_index[3][5].item<int64_t>(), 256 + (3 - 5) - rel.first_row);
  EXPECT_EQ(rel.p2c_index[3][5].item<int64_t>(), 256 - (3 - 5) - rel.first_row);
  // Past the span (no buckets), distances are clamped to the table's ends.
  const auto clamped = build_relative_positions(
      /*T=*/10, relative_settings(tiny_config({{"position_buckets", -1}, {"max_relative_positions", 3}})));
  EXPECT_EQ(clamped.first_row, 0);
  EXPECT_EQ(clamped.num_rows, 6);
  EXPECT_EQ(clamped.c2p_index[9][0].item<int64_t>(), 5);
  EXPECT_EQ(clamped.c2p_index[0][9].item<int64_t>(), 0);
}

// The v2 options the golden models do not use still build HF's state_dict names and run forward/backward.
TEST(DebertaV2, ConfigVariantsRegisterHFNames) {
  torch::manual_seed(0);
  auto model = make_deberta_v2(tiny_config({{"share_att_key", false},
                                            {"position_biased_input", true},
                                            {"type_vocab_size", 2},
                                            {"embedding_size", 16},
                                            {"conv_kernel_size", 3},
                                            {"pos_att_type", "p2c|c2p"},
                                            {"position_buckets", -1},
                                            {"max_relative_positions", 6}}));
  const auto params = model->named_parameters();
  const std::map<std::string, std::vector<int64_t>> expected = {
      {"deberta.embeddings.word_embeddings.weight", {128, 16}},
      {"deberta.embeddings.position_embeddings.weight", {64, 16}},
      {"deberta.embeddings.token_type_embeddings.weight", {2, 16}},
      {"deberta.embeddings.embed_proj.weight", {32, 16}},
      {"deberta.encoder.layer.1.attention.self.pos_key_proj.weight", {32, 32}},
      {"deberta.encoder.layer.1.attention.self.pos_query_proj.bias", {32}},
      {"deberta.encoder.rel_embeddings.weight", {12, 32}},
      {"deberta.encoder.LayerNorm.weight", {32}},
      {"deberta.encoder.conv.conv.weight", {32, 32, 3}},
      {"deberta.encoder.conv.LayerNorm.bias", {32}},
      {"pooler.dense.weight", {32, 32}},
      {"classifier.weight", {3, 32}}};
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(params.contains(name)) << name;
    EXPECT_EQ(params[name].sizes(), torch::IntArrayRef(shape)) << name;
  }
  EXPECT_FALSE(params.contains("deberta.embeddings.embed_proj.bias"));
  const auto ids = torch::randint(/*low=*/1, /*high=*/128, {2, 20});
  const auto mask = torch::ones({2, 20}, torch::kLong);
  const auto types = torch::randint(/*low=*/0, /*high=*/2, {2, 20});
  const auto out = model->forward(ids, mask, types);
  EXPECT_EQ(out.logits.sizes(), torch::IntArrayRef({2, 3}));
  out.logits.sum().backward();
  for (const auto& name :
       {"deberta.encoder.layer.0.attention.self.pos_key_proj.weight",
        "deberta.encoder.layer.0.attention.self.pos_query_proj.weight", "deberta.encoder.conv.conv.weight",
        "deberta.embeddings.position_embeddings.weight", "deberta.embeddings.token_type_embeddings.weight"}) {
    ASSERT_TRUE(params[name].grad().defined()) << name;
    EXPECT_GT(params[name].grad().abs().sum().item<double>(), 0.0) << name;
  }

  auto plain = make_deberta_v2(tiny_config({{"relative_attention", false}, {"norm_rel_ebd", "none"}}));
  EXPECT_FALSE(plain->named_parameters().contains("deberta.encoder.rel_embeddings.weight"));
  EXPECT_EQ(plain->forward(ids, mask).logits.sizes(), torch::IntArrayRef({2, 3}));
}

// HF's _init_weights, and the head that LoRA/BitFit train whole (the pooler belongs to it).
TEST(DebertaV2, HFInitAndHeadModules) {
  torch::manual_seed(0);
  auto model = make_deberta_v2(tiny_config({{"initializer_range", 0.02}, {"vocab_size", 4000}}));
  EXPECT_EQ(model->head_module_names(), (std::vector<std::string>{"pooler", "classifier"}));
  const auto params = model->named_parameters();
  const auto& words = params["deberta.embeddings.word_embeddings.weight"];
  EXPECT_NEAR(words.std().item<double>(), 0.02, 0.002);
  EXPECT_EQ(words[0].abs().sum().item<double>(), 0.0);  // pad_token_id 0
  EXPECT_TRUE(torch::all(params["deberta.encoder.LayerNorm.weight"] == 1).item<bool>());
  EXPECT_TRUE(torch::all(params["pooler.dense.bias"] == 0).item<bool>());
  EXPECT_TRUE(torch::all(params["deberta.encoder.layer.0.attention.self.query_proj.bias"] == 0).item<bool>());
}

// Inference under bf16 autocast runs query/key/value_proj as one product (key_proj also serves the shared
// position keys): the same logits, bit for bit, as three separate products.
TEST(DebertaV2, FusedQkvInferenceEqualsSeparateProducts) {
  torch::manual_seed(1);
  auto model = make_deberta_v2(tiny_config());
  model->eval();
  attune::testing::expect_fused_qkv_equals_separate(*model, torch::randint(/*low=*/1, /*high=*/128, {3, 10}),
                                                    /*layers=*/2);
}

// Padded positions never reach real ones, and a fully masked (padded) query row attends uniformly,
// as HF's finfo.min fill gives it.
TEST(DebertaV2, PaddingDoesNotLeakIntoRealTokens) {
  torch::manual_seed(0);
  auto model = make_deberta_v2(tiny_config());
  model->eval();
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(/*low=*/1, /*high=*/128, {2, 12});
  auto mask = torch::ones({2, 12}, torch::kLong);
  mask[1].narrow(0, 7, 5).fill_(0);
  const auto a = model->forward(ids, mask, {},
                                ForwardOptions{/*output_hidden_states=*/false, /*output_attentions=*/true});
  ids[1].narrow(0, 7, 5).fill_(3);
  const auto b = model->forward(ids, mask);
  EXPECT_TRUE(torch::allclose(a.logits, b.logits, /*rtol=*/0, /*atol=*/1e-6));
  const auto padded_row = a.attentions[0][1][0][9];  // [T]
  EXPECT_TRUE(torch::allclose(padded_row, torch::full({12}, 1.0 / 12), 0, 1e-7)) << padded_row;
}

TEST(DebertaV2, BadInputsAndConfigsThrowInputError) {
  torch::manual_seed(0);
  auto model = make_deberta_v2(tiny_config());
  const auto ids = torch::randint(/*low=*/1, /*high=*/128, {2, 5});
  EXPECT_THROW(model->forward(ids.to(torch::kInt), {}), InputError);
  EXPECT_THROW(model->forward(ids, torch::ones({2, 4}, torch::kLong)), InputError);
  EXPECT_THROW(model->forward(ids, torch::full({2, 5}, 2, torch::kLong)), InputError);
  EXPECT_THROW(model->forward(ids + 200, {}), InputError);
  EXPECT_THROW(model->forward(ids.view({10}), {}), InputError);
  auto biased = make_deberta_v2(tiny_config({{"position_biased_input", true}}));
  EXPECT_THROW(biased->forward(torch::ones({1, 65}, torch::kLong), {}), InputError);
  HFConfig bad = tiny_config();
  bad.pos_att_type = {"p2p"};
  EXPECT_THROW(make_deberta_v2(bad), InputError);
  bad = tiny_config();
  bad.pooler_hidden_act = "softsign";
  EXPECT_THROW(make_deberta_v2(bad), InputError);
}

}  // namespace
}  // namespace attune::models
