#include "models/model_factory.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "golden_compare.h"
#include "models/safetensors.h"
#include "test_paths.h"

namespace attune::models {
namespace {

using attune::testing::shared_dir;
using attune::testing::temp_dir;

int64_t count_parameters(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A copy of a golden model dir whose tensors pass through `edit` first.
std::filesystem::path golden_copy(
    const std::string& model,
    const std::function<void(std::vector<std::pair<std::string, torch::Tensor>>&)>& edit = {}) {
  const auto src = shared_dir() / "golden" / model;
  const auto dir = temp_dir("factory-" + model);
  std::filesystem::copy_file(src / "config.json", dir / "config.json");
  auto tensors = load_safetensors(src / "model.safetensors");
  if (edit) edit(tensors);
  save_safetensors(dir / "model.safetensors", tensors);
  return dir;
}

torch::Tensor golden_logits(SequenceClassifier& model, const std::string& golden_model) {
  auto g = attune::testing::load_golden(shared_dir() / "golden" / golden_model / "golden.safetensors");
  model.eval();
  torch::NoGradGuard no_grad;
  return model.forward(g.at("input_ids"), g.at("attention_mask")).logits;
}

// roberta-base as RobertaForSequenceClassification(num_labels=4): transformers counts 124,648,708
// parameters = RobertaModel's 124,645,632 - its pooler (768·768 + 768) + classifier.dense (768·768 + 768)
// + classifier.out_proj (768·4 + 4). bert-base-uncased + 2 labels: 109,482,240 + 768·2 + 2 = 109,483,778.
TEST(ModelFactory, BaseSizedModelsHaveTransformersParameterCounts) {
  HFConfig r = default_hf_config("roberta");
  r.max_position_embeddings = 514;
  r.type_vocab_size = 1;
  set_num_labels(r, 4);
  auto roberta = create_model(r);
  EXPECT_EQ(count_parameters(*roberta), 124'645'632 - (768 * 768 + 768) + (768 * 768 + 768) + (768 * 4 + 4));
  EXPECT_EQ(count_parameters(*roberta), 124'648'708);
  roberta.reset();
  HFConfig b = default_hf_config("bert");
  auto bert = create_model(b);
  EXPECT_EQ(count_parameters(*bert), 109'483'778);
}

// HF's _init_weights: Linear N(0, initializer_range) + zero bias, Embedding N(0, range) with a zero
// padding row, LayerNorm 1/0; the same seed gives the same weights.
TEST(ModelFactory, CreateModelUsesHuggingFaceInitAndSeed) {
  HFConfig c = default_hf_config("roberta");
  c.vocab_size = 300, c.hidden_size = 64, c.num_hidden_layers = 2, c.num_attention_heads = 4;
  c.intermediate_size = 128, c.max_position_embeddings = 40, c.initializer_range = 0.05;
  auto m = create_model(c, /*seed=*/7);
  auto p = m->named_parameters();
  EXPECT_NEAR(p["roberta.encoder.layer.0.attention.self.query.weight"].std().item<double>(), 0.05, 0.005);
  EXPECT_NEAR(p["roberta.embeddings.word_embeddings.weight"].std().item<double>(), 0.05, 0.005);
  EXPECT_EQ(p["roberta.encoder.layer.1.output.dense.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["classifier.out_proj.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["roberta.embeddings.word_embeddings.weight"][1].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["roberta.embeddings.position_embeddings.weight"][1].abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::all(p["roberta.encoder.layer.0.output.LayerNorm.weight"] == 1).item<bool>());
  EXPECT_EQ(p["roberta.embeddings.LayerNorm.bias"].abs().sum().item<double>(), 0.0);
  auto same = create_model(c, /*seed=*/7), other = create_model(c, /*seed=*/8);
  EXPECT_TRUE(
      torch::equal(same->named_parameters()["classifier.dense.weight"], p["classifier.dense.weight"]));
  EXPECT_FALSE(
      torch::equal(other->named_parameters()["classifier.dense.weight"], p["classifier.dense.weight"]));
  c.model_type = "gpt2";
  EXPECT_THROW(create_model(c), InputError);
}

// The golden dirs load name for name with nothing unused or missing.
TEST(ModelFactory, LoadsGoldenDirsCompletely) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  for (const char* model : {"roberta", "bert"}) {
    LoadReport report;
    auto m = load_model(shared_dir() / "golden" / model, &report);
    EXPECT_TRUE(report.unused_keys.empty()) << model;
    EXPECT_TRUE(report.ignored_keys.empty()) << model;
    EXPECT_TRUE(report.newly_initialized.empty()) << model;
    auto file = SafetensorsFile::open(shared_dir() / "golden" / model / "model.safetensors");
    for (const auto& item : m->named_parameters())
      EXPECT_TRUE(torch::equal(item.value(), file->get(item.key()))) << item.key();
  }
}

// Pretraining leftovers are ignored, anything else is reported unused, and a bf16 checkpoint converts.
TEST(ModelFactory, ClassifiesLeftoverKeysAndConvertsDtypes) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  const auto dir = golden_copy("roberta", [](auto& tensors) {
    for (auto& kv : tensors) kv.second = kv.second.to(torch::kBFloat16);
    tensors.emplace_back("lm_head.dense.weight", torch::zeros({32, 32}));
    tensors.emplace_back("roberta.pooler.dense.bias", torch::zeros({32}));
    tensors.emplace_back("roberta.embeddings.position_ids", torch::arange(64).view({1, 64}));
    tensors.emplace_back("something.else", torch::zeros({2}));
  });
  LoadReport report;
  auto m = load_model(dir, &report);
  EXPECT_EQ(report.ignored_keys.size(), 3u);
  EXPECT_EQ(report.unused_keys, std::vector<std::string>{"something.else"});
  EXPECT_TRUE(report.newly_initialized.empty());
  auto w = m->named_parameters()["classifier.dense.weight"];
  EXPECT_EQ(w.scalar_type(), torch::kFloat);
  auto ref = SafetensorsFile::open(shared_dir() / "golden/roberta/model.safetensors")
                 ->get("classifier.dense.weight");
  EXPECT_TRUE(torch::equal(w, ref.to(torch::kBFloat16).to(torch::kFloat)));
}

// A new label count re-initializes only the head's out_proj; the rest stays loaded.
TEST(ModelFactory, NumLabelsOverrideReinitializesTheHead) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  LoadReport report;
  auto m = load_model(shared_dir() / "golden/roberta", &report, /*num_labels=*/3);
  EXPECT_EQ(m->config.num_labels(), 3);
  EXPECT_EQ(report.newly_initialized,
            (std::vector<std::string>{"classifier.out_proj.weight", "classifier.out_proj.bias"}));
  EXPECT_EQ(m->named_parameters()["classifier.out_proj.weight"].size(0), 3);
  auto ref = SafetensorsFile::open(shared_dir() / "golden/roberta/model.safetensors");
  EXPECT_TRUE(
      torch::equal(m->named_parameters()["classifier.dense.weight"], ref->get("classifier.dense.weight")));
  EXPECT_EQ(m->named_parameters()["classifier.out_proj.bias"].abs().sum().item<double>(), 0.0);
}

// Keys without the base-model prefix and TF-era LayerNorm.gamma/beta names load, as in transformers.
TEST(ModelFactory, AcceptsUnprefixedAndLegacyLayerNormKeys) {
  ATTUNE_REQUIRE_SHARED("golden/bert");
  const auto dir = golden_copy("bert", [](auto& tensors) {
    for (auto& kv : tensors) {
      auto& k = kv.first;
      if (k.rfind("bert.", 0) == 0) k = k.substr(5);
      if (k.size() > 16 && k.compare(k.size() - 16, 16, "LayerNorm.weight") == 0)
        k.replace(k.size() - 6, 6, "gamma");
      if (k.size() > 14 && k.compare(k.size() - 14, 14, "LayerNorm.bias") == 0)
        k.replace(k.size() - 4, 4, "beta");
    }
  });
  LoadReport report;
  auto m = load_model(dir, &report);
  EXPECT_TRUE(report.unused_keys.empty());
  EXPECT_TRUE(report.newly_initialized.empty());
  auto g = attune::testing::load_golden(shared_dir() / "golden/bert/golden.safetensors");
  m->eval();
  torch::NoGradGuard no_grad;
  auto logits = m->forward(g.at("input_ids"), g.at("attention_mask"), g.at("token_type_ids")).logits;
  EXPECT_LE(attune::testing::max_abs_err(logits, g.at("logits")), 1e-5);
}

// Bad dirs are InputErrors that say what is wrong.
TEST(ModelFactory, RejectsBadDirsClearly) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  // Shape mismatch names the key and both shapes.
  auto dir = golden_copy("roberta", [](auto& tensors) {
    for (auto& kv : tensors)
      if (kv.first == "roberta.encoder.layer.1.intermediate.dense.weight") kv.second = torch::zeros({36, 32});
  });
  auto msg = message([&] { load_model(dir); });
  EXPECT_NE(msg.find("roberta.encoder.layer.1.intermediate.dense.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[36, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[37, 32]"), std::string::npos) << msg;
  // An integer tensor where the model has a float weight names both dtypes.
  auto ints = golden_copy("roberta", [](auto& tensors) {
    for (auto& kv : tensors)
      if (kv.first == "classifier.dense.bias") kv.second = kv.second.to(torch::kLong);
  });
  msg = message([&] { load_model(ints); });
  EXPECT_NE(msg.find("classifier.dense.bias' has dtype Long but the model's"), std::string::npos) << msg;
  // A pickle-only dir is refused with the conversion recipe.
  auto bin = temp_dir("factory-bin");
  std::filesystem::copy_file(shared_dir() / "golden/roberta/config.json", bin / "config.json");
  std::ofstream(bin / "pytorch_model.bin") << "not loaded";
  msg = message([&] { load_model(bin); });
  EXPECT_NE(msg.find("safe_serialization=True"), std::string::npos) << msg;
  // Missing weights without a report are an error, with a report they are listed.
  auto partial = golden_copy("roberta", [](auto& tensors) { tensors.erase(tensors.begin() + 5); });
  EXPECT_THROW(load_model(partial), InputError);
  LoadReport report;
  EXPECT_NO_THROW(load_model(partial, &report));
  EXPECT_EQ(report.newly_initialized.size(), 1u);
  EXPECT_NE(message([] { load_model("/nonexistent/model"); }).find("not a directory"), std::string::npos);
  auto empty = temp_dir("factory-empty");
  EXPECT_THROW(load_model(empty), InputError);
  // config.json sizes the weights do not have are refused before the model is built (a 100,000-layer
  // config once allocated gigabytes first).
  auto edit_config = [](const std::filesystem::path& d, const std::string& key, int64_t value) {
    std::ifstream in(d / "config.json");
    auto j = nlohmann::json::parse(in);
    in.close();
    j[key] = value;
    std::ofstream(d / "config.json", std::ios::trunc) << j.dump();
  };
  auto deep = golden_copy("roberta");
  edit_config(deep, "num_hidden_layers", 100000);
  msg = message([&] { load_model(deep); });
  EXPECT_NE(msg.find("num_hidden_layers 100000 but the weights hold"), std::string::npos) << msg;
  auto wide = golden_copy("roberta");
  edit_config(wide, "hidden_size", 1 << 20);
  edit_config(wide, "num_attention_heads", 1);
  msg = message([&] { load_model(wide); });
  EXPECT_NE(msg.find("hidden_size 1048576 but the weights'"), std::string::npos) << msg;
}

// save_model writes HF's layout: re-saving the golden model reproduces its model.safetensors byte for
// byte and its config.json; bf16 export stores BF16 and says so in config.json.
TEST(ModelFactory, SaveModelWritesHuggingFaceDirs) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  for (const char* model : {"roberta", "bert"}) {
    const auto src = shared_dir() / "golden" / model;
    auto m = load_model(src);
    const auto out = temp_dir("factory-save");
    save_model(*m, out);
    EXPECT_EQ(read_bytes(out / "model.safetensors"), read_bytes(src / "model.safetensors")) << model;
    EXPECT_EQ(read_bytes(out / "config.json"), read_bytes(src / "config.json")) << model;
  }
  auto m = load_model(shared_dir() / "golden/roberta");
  const auto out = temp_dir("factory-save-bf16");
  save_model(*m, out, torch::kBFloat16);
  EXPECT_EQ(load_hf_config(out / "config.json").torch_dtype, "bfloat16");
  EXPECT_EQ(SafetensorsFile::open(out / "model.safetensors")->entry("classifier.dense.weight").dtype, "BF16");
  auto back = load_model(out);
  auto g = attune::testing::load_golden(shared_dir() / "golden/roberta/golden.safetensors");
  const double err = attune::testing::max_abs_err(golden_logits(*back, "roberta"), g.at("logits"));
  EXPECT_GT(err, 0.0);
  EXPECT_LE(err, 5e-2);  // bf16 weights, fp32 compute
  EXPECT_THROW(save_model(*m, out, torch::kHalf), InputError);
}

// A sharded checkpoint (model.safetensors.index.json) loads like the single file.
TEST(ModelFactory, LoadsShardedCheckpoints) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  const auto src = shared_dir() / "golden/roberta";
  const auto dir = temp_dir("factory-sharded");
  std::filesystem::copy_file(src / "config.json", dir / "config.json");
  auto tensors = load_safetensors(src / "model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> first(tensors.begin(), tensors.begin() + 10),
      second(tensors.begin() + 10, tensors.end());
  save_safetensors(dir / "model-00001-of-00002.safetensors", first);
  save_safetensors(dir / "model-00002-of-00002.safetensors", second);
  nlohmann::json wm = nlohmann::json::object();
  for (const auto& kv : first) wm[kv.first] = "model-00001-of-00002.safetensors";
  for (const auto& kv : second) wm[kv.first] = "model-00002-of-00002.safetensors";
  std::ofstream(dir / "model.safetensors.index.json") << nlohmann::json{{"weight_map", wm}}.dump();
  LoadReport report;
  auto m = load_model(dir, &report);
  EXPECT_TRUE(report.newly_initialized.empty());
  auto g = attune::testing::load_golden(src / "golden.safetensors");
  EXPECT_LE(attune::testing::max_abs_err(golden_logits(*m, "roberta"), g.at("logits")), 1e-5);
}

}  // namespace
}  // namespace attune::models
