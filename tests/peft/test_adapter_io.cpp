#include "peft/adapter_io.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>

#include "base/errors.h"
#include "models/safetensors.h"
#include "peft/trainable.h"
#include "test_paths.h"
#include "tiny_model.h"

namespace attune::peft {
namespace {

namespace fs = std::filesystem;
using testing::TinyClassifier;

torch::Tensor ids() {
  return torch::tensor({{1, 5, 7, 2}, {1, 9, 3, 2}}, torch::kLong);
}

// A base model (seed 11) with a "trained" adapter: random B and a perturbed classifier.
std::shared_ptr<TinyClassifier> trained(LoraInfo* info, const std::string& bias = "none") {
  torch::manual_seed(11);
  auto model = std::make_shared<TinyClassifier>();
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  c.bias = bias;
  c.base_model_name_or_path = "tiny";
  *info = apply_lora(*model, c);
  torch::NoGradGuard no_grad;
  for (auto& [path, linear] : lora_linears(*model)) lora_of(*linear)->lora_B->weight.normal_(0, 0.1);
  model->classifier->dense->weight.add_(0.1);
  model->eval();
  return model;
}

std::shared_ptr<TinyClassifier> fresh_base() {
  torch::manual_seed(11);
  auto model = std::make_shared<TinyClassifier>();
  model->eval();
  return model;
}

TEST(AdapterIo, StateDictKeysArePeftsKeys) {
  LoraInfo info;
  auto model = trained(&info);
  const auto sd = adapter_state_dict(*model, info);
  ASSERT_EQ(sd.size(), 12u * 2 + 4);
  std::set<std::string> keys;
  for (const auto& [k, t] : sd) keys.insert(k);
  EXPECT_TRUE(keys.count("base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight"));
  EXPECT_TRUE(keys.count("base_model.model.roberta.encoder.layer.1.output.dense.lora_B.weight"));
  EXPECT_TRUE(keys.count("base_model.model.classifier.dense.weight"));
  EXPECT_TRUE(keys.count("base_model.model.classifier.out_proj.bias"));

  LoraInfo info2;
  auto with_bias = trained(&info2, "lora_only");
  std::set<std::string> keys2;
  for (const auto& [k, t] : adapter_state_dict(*with_bias, info2)) keys2.insert(k);
  EXPECT_TRUE(keys2.count("base_model.model.roberta.encoder.layer.0.attention.self.query.base_layer.bias"));
  EXPECT_EQ(keys2.size(), 12u * 3 + 4);
}

TEST(AdapterIo, SaveThenLoadReproducesTheAdaptedModel) {
  LoraInfo info;
  auto model = trained(&info);
  const auto logits = model->forward(ids(), {}).logits;
  const fs::path dir = attune::testing::temp_dir("adapter_roundtrip");
  save_adapter(dir, *model, info);
  ASSERT_TRUE(is_adapter_dir(dir));
  ASSERT_TRUE(fs::exists(dir / "adapter_model.safetensors"));

  auto base = fresh_base();
  ASSERT_FALSE(torch::allclose(base->forward(ids(), {}).logits, logits, 1e-4, 1e-4));
  const LoraInfo loaded = load_adapter(dir, *base);
  EXPECT_EQ(loaded.adapted_modules, info.adapted_modules);
  EXPECT_EQ(loaded.saved_modules, info.saved_modules);
  EXPECT_TRUE(torch::allclose(base->forward(ids(), {}).logits, logits, 0, 0));
  EXPECT_EQ(count_parameters(*base).trainable, 0);  // PEFT's inference mode
  EXPECT_EQ(lora_config_to_json(loaded.config), lora_config_to_json(info.config));

  auto trainable = fresh_base();
  load_adapter(dir, *trainable, /*is_trainable=*/true);
  EXPECT_EQ(count_parameters(*trainable).trainable, count_parameters(*model).trainable);
}

TEST(AdapterIo, Bf16Export) {
  LoraInfo info;
  auto model = trained(&info);
  const fs::path dir = attune::testing::temp_dir("adapter_bf16");
  save_adapter(dir, *model, info, torch::kBFloat16);
  auto file = models::SafetensorsFile::open(dir / kAdapterWeightsFile);
  EXPECT_EQ(file->entry("base_model.model.classifier.dense.weight").dtype, "BF16");
  auto base = fresh_base();
  load_adapter(dir, *base);  // loads, casting to the fp32 parameters
  EXPECT_EQ(base->classifier->dense->weight.scalar_type(), torch::kFloat32);
}

void expect_input_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected an InputError mentioning " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(AdapterIo, BadAdapterDirsAreInputErrors) {
  LoraInfo info;
  auto model = trained(&info);
  const fs::path dir = attune::testing::temp_dir("adapter_bad");
  save_adapter(dir, *model, info);
  auto tensors = models::load_safetensors(dir / kAdapterWeightsFile);

  expect_input_error([&] { load_adapter(dir / "nope", *fresh_base()); }, "adapter_config.json");

  auto extra = tensors;
  extra.emplace_back("base_model.model.roberta.word_embeddings.lora_A.weight", torch::zeros({4, 20}));
  models::save_safetensors(dir / kAdapterWeightsFile, extra);
  expect_input_error([&] { load_adapter(dir, *fresh_base()); }, "unexpected tensor");

  auto missing = tensors;
  missing.pop_back();
  models::save_safetensors(dir / kAdapterWeightsFile, missing);
  expect_input_error([&] { load_adapter(dir, *fresh_base()); }, "missing tensor");

  auto misshaped = tensors;
  misshaped[0].second = torch::zeros({3, 3});
  models::save_safetensors(dir / kAdapterWeightsFile, misshaped);
  expect_input_error([&] { load_adapter(dir, *fresh_base()); }, "has shape [3, 3]");

  models::save_safetensors(dir / kAdapterWeightsFile, tensors);
  std::ofstream(dir / kAdapterConfigFile) << R"({"peft_type": "LORA", "task_type": "SEQ_CLS", "r": 4,
    "target_modules": ["q_proj"]})";
  expect_input_error([&] { load_adapter(dir, *fresh_base()); }, "q_proj");
}

}  // namespace
}  // namespace attune::peft
