// pretrain end to end on tiny models: from scratch with a trained BPE (RoBERTa) or unigram (DeBERTa-v3)
// tokenizer, continuing an HF dir, determinism, and the config rules of the pretrain section.
#include "trainer/pretrain/pretrain.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "base/errors.h"
#include "base/file_digest.h"
#include "data/generator/benign_world.h"
#include "data/tokenizers/tokenizer.h"
#include "models/hf_config.h"
#include "models/model_factory.h"
#include "test_paths.h"

namespace attune::trainer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A tiny from-scratch pretraining config (one thread, fp32, a few dozen steps).
std::string tiny_yaml(const std::string& model_type, const std::string& tokenizer, int64_t steps) {
  return "model:\n"
         "  random_init: {model_type: " +
         model_type +
         ", hidden_size: 32, num_hidden_layers: 1,\n"
         "                num_attention_heads: 2, intermediate_size: 64, hidden_dropout_prob: 0.0,\n"
         "                attention_probs_dropout_prob: 0.0}\n"
         "  max_length: 48\n"
         "  num_threads: 1\n"
         "training:\n"
         "  seed: 5\n"
         "  max_steps: " +
         std::to_string(steps) +
         "\n"
         "  per_device_train_batch_size: 16\n"
         "  learning_rate: 3.0e-3\n"
         "  warmup_ratio: 0.1\n"
         "  bf16: false\n"
         "  logging_steps: 10\n"
         "pretrain:\n"
         "  corpus: {generated_rows: 1200, seed: 3, heldout_fraction: 0.05}\n"
         "  tokenizer: {train: " +
         tokenizer + ", vocab_size: 400}\n";
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

Config tiny_config(const std::string& model_type, const std::string& tokenizer, int64_t steps,
                   const fs::path& out) {
  return parse_config(tiny_yaml(model_type, tokenizer, steps), "tiny_pretrain.yaml",
                      {{"training.output_dir", out.string(), /*literal=*/true, "test"}});
}

TEST(Pretrain, RobertaFromScratchWithItsOwnBpeLearns) {
  const auto out = attune::testing::temp_dir("pretrain-roberta");
  const auto result = run_pretraining(tiny_config("roberta", "bpe", 200, out));
  const fs::path dir = out / "model";
  EXPECT_EQ(result.save_dir, dir);
  for (const char* f : {"config.json", "model.safetensors", "vocab.json", "merges.txt",
                        "tokenizer_config.json", "pretraining.json"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_FALSE(fs::exists(out / "model.partial"));
  const auto config = models::load_hf_config(dir / "config.json");
  EXPECT_EQ(config.architectures, std::vector<std::string>{"RobertaForMaskedLM"});
  EXPECT_EQ(config.vocab_size, 400);
  const auto record = read_json(dir / "pretraining.json");
  EXPECT_EQ(record["corpus"]["generated_pool"]["rows"], 1200);
  EXPECT_EQ(record["corpus"]["train_lines"].get<int64_t>() + record["corpus"]["heldout_lines"].get<int64_t>(),
            1200);
  EXPECT_EQ(record["weights_sha256"], sha256_file(dir / "model.safetensors"));
  const auto& curve = record["loss_curve"];
  ASSERT_GE(curve.size(), 4u);
  // The masked-token loss falls from a uniform guess over the vocabulary (ln 400 ~ 5.99) by more than a nat.
  EXPECT_LT(curve.back()[1].get<double>(), curve.front()[1].get<double>() - 1.0) << curve.dump();
  EXPECT_LT(result.heldout_loss, std::log(400.0) - 0.5) << curve.dump();
  EXPECT_GT(result.heldout_masked_accuracy, 10.0 / 400);
  // A classifier and the tokenizer load from the dir as from any HF checkpoint.
  models::LoadReport report;
  auto classifier = models::load_model(dir, &report, /*num_labels=*/2);
  EXPECT_TRUE(report.unused_keys.empty());
  auto tok = data::load_tokenizer(dir);
  EXPECT_EQ(tok->mask_id(), 4);
  EXPECT_EQ(tok->pad_id(), 1);
  EXPECT_EQ(tok->vocab_size(), 400);
}

TEST(Pretrain, DebertaV3FromScratchWithAUnigramTokenizer) {
  const auto out = attune::testing::temp_dir("pretrain-deberta");
  run_pretraining(tiny_config("deberta-v2", "unigram", 10, out));
  const fs::path dir = out / "model";
  EXPECT_TRUE(fs::exists(dir / "spm.model"));
  const auto config = models::load_hf_config(dir / "config.json");
  EXPECT_EQ(config.architectures, std::vector<std::string>{"DebertaV2ForMaskedLM"});
  EXPECT_TRUE(config.relative_attention);
  EXPECT_EQ(config.position_buckets, 256);
  EXPECT_FALSE(config.position_biased_input);
  auto tok = data::load_tokenizer(dir);
  EXPECT_EQ(tok->pad_id(), 0);
  EXPECT_EQ(tok->cls_id(), 1);
  EXPECT_EQ(tok->sep_id(), 2);
  EXPECT_EQ(tok->mask_id(), 399);  // added after the 399 pieces, as DeBERTa-v3's [MASK]
  EXPECT_EQ(config.vocab_size, 400);
}

TEST(Pretrain, SameConfigSameWeights) {
  const auto a = attune::testing::temp_dir("pretrain-det-a");
  const auto b = attune::testing::temp_dir("pretrain-det-b");
  run_pretraining(tiny_config("roberta", "bpe", 8, a));
  run_pretraining(tiny_config("roberta", "bpe", 8, b));
  EXPECT_EQ(sha256_file(a / "model" / "model.safetensors"), sha256_file(b / "model" / "model.safetensors"));
  EXPECT_EQ(sha256_file(a / "model" / "merges.txt"), sha256_file(b / "model" / "merges.txt"));
}

// The benign world's train packages join the corpus, repeated on the side (training or held out) their
// first copy fell on; its heldout packages are never read.
TEST(Pretrain, BenignWorldTrainPackagesJoinTheCorpus) {
  const auto out = attune::testing::temp_dir("pretrain-world");
  auto yaml = tiny_yaml("roberta", "bpe", 2);
  const std::string pool = "corpus: {generated_rows: 1200, seed: 3, heldout_fraction: 0.05}";
  yaml.replace(yaml.find(pool), pool.size(),
               "corpus: {generated_rows: 0, benign_world_repeats: 3, heldout_fraction: 0.05}");
  const auto result = run_pretraining(
      parse_config(yaml, "world.yaml", {{"training.output_dir", out.string(), /*literal=*/true, "test"}}));
  const auto world = data::load_benign_world(data::default_benign_world_dir());
  const auto& corpus = result.record["corpus"];
  EXPECT_EQ(corpus["benign_world"]["sha256"], world.sha256);
  EXPECT_EQ(corpus["benign_world"]["lines"], world.train.size());
  EXPECT_EQ(corpus["benign_world"]["train_packages"], world.train_packages);
  const auto heldout = corpus["heldout_lines"].get<size_t>();
  EXPECT_EQ(heldout, static_cast<size_t>(std::ceil(0.05 * static_cast<double>(world.train.size()))));
  EXPECT_EQ(corpus["train_lines"].get<size_t>(), 3 * (world.train.size() - heldout));
}

// Domain-adaptive pretraining: continue an HF dir on more text, keeping its vocabulary and MLM head.
TEST(Pretrain, ContinuesAnHfDirOnTextFiles) {
  const auto base = attune::testing::temp_dir("pretrain-base");
  run_pretraining(tiny_config("roberta", "bpe", 5, base));
  const auto out = attune::testing::temp_dir("pretrain-continue");
  std::ofstream(out / "logs.txt")
      << "cmd.exe /c whoami /all\n\nnet user administrator\r\nreg save hklm\\sam sam.save\n"
      << "powershell -nop -w hidden get-process\n";
  const std::string yaml = "model: {name_or_path: " + (base / "model").string() +
                           ", max_length: 48, num_threads: 1}\n"
                           "training: {seed: 1, max_steps: 3, per_device_train_batch_size: 2, bf16: false}\n"
                           "pretrain:\n  corpus: {generated_rows: 0, text_files: [" +
                           (out / "logs.txt").string() + "], heldout_fraction: 0.25}\n";
  const auto result = run_pretraining(
      parse_config(yaml, "continue.yaml", {{"training.output_dir", out.string(), true, "test"}}));
  EXPECT_EQ(result.record["continued_from"], (base / "model").string());
  EXPECT_EQ(result.record["corpus"]["text_files"][0]["lines"], 4);
  EXPECT_EQ(result.record["corpus"]["train_lines"], 3);
  EXPECT_TRUE(fs::exists(out / "model" / "vocab.json"));  // the base model's tokenizer, copied
  EXPECT_EQ(sha256_file(out / "model" / "vocab.json"), sha256_file(base / "model" / "vocab.json"));
}

TEST(Pretrain, ConfigRules) {
  // A pretrained model keeps its own vocabulary.
  EXPECT_THROW(parse_config("model: {name_or_path: x}\npretrain: {tokenizer: {train: bpe}}\n", "p.yaml"),
               InputError);
  // Some text is needed.
  try {
    parse_config("model: {name_or_path: x}\npretrain: {corpus: {generated_rows: 0}}\n", "p.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pretrain.corpus"), std::string::npos) << e.what();
  }
  // Unknown keys get did-you-mean like every other section.
  try {
    parse_config("model: {name_or_path: x}\npretrain: {mlm_probabilty: 0.2}\n", "p.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mlm_probability"), std::string::npos) << e.what();
  }
  // Fine-tuning keys pretraining would ignore are refused, naming the key and its line.
  try {
    parse_config(
        "model: {name_or_path: x}\ntraining:\n  seed: 1\n  gradient_accumulation_steps: 4\n"
        "pretrain: {corpus: {generated_rows: 10}}\n",
        "p.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("p.yaml:4: training.gradient_accumulation_steps: not used by pretrain"),
        std::string::npos)
        << e.what();
  }
  for (const char* key :
       {"early_stopping_patience: 2", "length_bucketing: false", "metric_for_best_model: accuracy"})
    EXPECT_THROW(parse_config(std::string("model: {name_or_path: x}\ntraining: {") + key +
                                  "}\npretrain: {corpus: {generated_rows: 10}}\n",
                              "p.yaml"),
                 InputError)
        << key;
  // A train config has no pretrain section: run_pretraining refuses it.
  const auto c = parse_config("model: {name_or_path: x}\ndata: {generate: {preset: binary}}\n", "t.yaml");
  EXPECT_THROW(run_pretraining(c), InputError);
}

}  // namespace
}  // namespace attune::trainer
