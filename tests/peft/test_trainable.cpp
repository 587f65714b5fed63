#include "peft/trainable.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "models/model_factory.h"
#include "peft/bitfit.h"
#include "peft/lora.h"
#include "tiny_model.h"

namespace attune::peft {
namespace {

TEST(Trainable, ThousandsSeparatorsLikePython) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(125987080), "125,987,080");
  EXPECT_EQ(with_thousands(-1234567), "-1,234,567");
}

// The exact line PEFT's print_trainable_parameters prints (f"{n:,d}" and f"{pct:.4f}").
TEST(Trainable, SummaryLineFormat) {
  EXPECT_EQ(trainable_summary({/*trainable=*/1339396, /*all=*/125987080}),
            "trainable params: 1,339,396 || all params: 125,987,080 || trainable%: 1.0631");
  EXPECT_EQ(trainable_summary({1920772, 126569480}),
            "trainable params: 1,920,772 || all params: 126,569,480 || trainable%: 1.5176");
  EXPECT_EQ(trainable_summary({5, 5}), "trainable params: 5 || all params: 5 || trainable%: 100.0000");
}

TEST(Trainable, FreezeAndUnfreezeModules) {
  testing::TinyClassifier model;
  freeze_all(model);
  EXPECT_TRUE(trainable_parameters(model).empty());
  set_module_trainable(model, "classifier.out_proj");
  const auto t = trainable_parameters(model);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].first, "classifier.out_proj.weight");
  EXPECT_EQ(t[1].first, "classifier.out_proj.bias");
  EXPECT_THROW(set_module_trainable(model, "classifier.nope"), InputError);
}

// Tiny model, hidden 8, intermediate 12, 2 layers, 3 labels, vocab 20, LoRA r=2 on the defaults:
//   embeddings 20·8 = 160; per layer: q,k,v,attn dense 4·(64+8) = 288, 2 LayerNorms 2·16 = 32,
//   intermediate 8·12+12 = 108, output 12·8+8 = 104 -> 532, ×2 = 1064; classifier 72 + (8·3+3 = 27) = 99.
//   base = 160 + 1064 + 99 = 1323.
//   LoRA r=2 per layer: 4·2·(8+8) = 128, intermediate 2·(8+12) = 40, output 2·(12+8) = 40 -> 208, ×2 = 416.
//   trainable = 416 + 99 = 515; PEFT's all = 1323 + 416 + 99 (the frozen original classifier) = 1838.
TEST(Trainable, LoraCountMatchesPeftsWay) {
  testing::TinyClassifier model(/*hidden=*/8, /*intermediate=*/12, /*layers=*/2, /*labels=*/3);
  EXPECT_EQ(count_parameters(model).all, 1323);
  LoraConfig c;
  c.r = 2;
  const auto info = apply_lora(model, c);
  const auto count = lora_parameter_count(model, info);
  EXPECT_EQ(count.trainable, 515);
  EXPECT_EQ(count.all, 1838);
  EXPECT_EQ(trainable_summary(count), "trainable params: 515 || all params: 1,838 || trainable%: 28.0196");
}

models::HFConfig roberta_base_config() {
  models::HFConfig c;
  c.model_type = "roberta";
  c.architectures = {"RobertaForSequenceClassification"};
  c.vocab_size = 50265;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;
  c.max_position_embeddings = 514;
  c.type_vocab_size = 1;
  c.layer_norm_eps = 1e-5;
  c.pad_token_id = 1;
  c.bos_token_id = 0;
  c.eos_token_id = 2;
  for (int64_t l = 0; l < 4; ++l) c.id2label[l] = "LABEL_" + std::to_string(l);
  for (int64_t l = 0; l < 4; ++l) c.label2id["LABEL_" + std::to_string(l)] = l;
  return c;
}

// roberta-base shape, 4 labels (RobertaForSequenceClassification has no pooler):
//   embeddings: word 50265·768 = 38,603,520 + position 514·768 = 394,752 + token_type 768 + LayerNorm 1,536
//               = 39,000,576
//   per layer:  q,k,v,attention.output.dense 4·(768·768 + 768) = 2,362,368; intermediate 768·3072 + 3072 =
//               2,362,368; output 3072·768 + 768 = 2,360,064; 2 LayerNorms 3,072 -> 7,087,872; ×12 =
//               85,054,464
//   head:       classifier.dense 590,592 + out_proj 768·4 + 4 = 3,076 -> 593,668
//   model:      39,000,576 + 85,054,464 + 593,668 = 124,648,708
// LoRA r=8 on query,key,value,dense, modules_to_save [classifier] (classifier.dense gets no LoRA):
//   per layer 4·8·(768+768) = 49,152 + intermediate 8·(768+3072) = 30,720 + output 8·(3072+768) = 30,720
//   = 110,592; ×12 = 1,327,104. trainable = 1,327,104 + 593,668 = 1,920,772.
//   PEFT's all params also count ModulesToSaveWrapper's frozen original classifier:
//   124,648,708 + 1,327,104 + 593,668 = 126,569,480; 100·1,920,772 / 126,569,480 = 1.5176.
// BitFit: biases 768 (embedding LayerNorm) + 12·(4·768 + 3072 + 768 + 2·768 = 8,448) = 102,144, plus the
//   head 593,668 -> 695,812 of 124,648,708 = 0.5582%.
TEST(Trainable, RobertaBaseCountsPinned) {
  auto model = models::create_model(roberta_base_config(), /*seed=*/0);
  EXPECT_EQ(count_parameters(*model).all, 124648708);
  apply_bitfit(*model);
  EXPECT_EQ(trainable_summary(count_parameters(*model)),
            "trainable params: 695,812 || all params: 124,648,708 || trainable%: 0.5582");
  LoraConfig c;
  c.r = 8;
  c.lora_alpha = 16;
  c.target_modules = ModuleSelector::list({"query", "key", "value", "dense"});
  c.modules_to_save = std::vector<std::string>{"classifier"};
  const auto info = apply_lora(*model, c);
  EXPECT_EQ(info.adapted_modules.size(), 72u);
  EXPECT_EQ(trainable_summary(lora_parameter_count(*model, info)),
            "trainable params: 1,920,772 || all params: 126,569,480 || trainable%: 1.5176");
}

}  // namespace
}  // namespace attune::peft
