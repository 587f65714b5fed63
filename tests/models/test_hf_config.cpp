#include "models/hf_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "base/errors.h"
#include "test_paths.h"

namespace attune::models {
namespace {

using attune::testing::shared_dir;
using nlohmann::json;

json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

// parse -> to_json gives back exactly what transformers' save_pretrained wrote, for every golden config
// (roberta, bert with default labels, DeBERTa-v3 style, and a config carrying problem_type).
TEST(HFConfig, GoldenConfigsRoundTripToTheSameJson) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  for (const char* sub :
       {"roberta", "bert", "deberta_v2", "deberta_v2_pb8", "roberta_lora/merged", "deberta_v2_lora/merged"}) {
    const auto file = shared_dir() / "golden" / sub / "config.json";
    const json expected = read_json(file);
    const HFConfig c = load_hf_config(file);
    EXPECT_EQ(to_json(c), expected) << sub << "\nours: " << to_json(c).dump(2);
    // save_hf_config's text is transformers' own layout (indent 2, sorted keys, trailing newline).
    const auto out = attune::testing::temp_dir("hf-config") / "config.json";
    save_hf_config(c, out);
    std::ifstream a(out), b(file);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}),
              std::string(std::istreambuf_iterator<char>(b), {}))
        << sub;
  }
}

// A config built in code (no raw JSON to fall back on) serializes to the same diff form HF writes.
TEST(HFConfig, ConfigBuiltInCodeSerializesLikeTransformers) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  HFConfig r = default_hf_config("roberta");
  r.architectures = {"RobertaForSequenceClassification"};
  r.vocab_size = 120, r.hidden_size = 32, r.num_hidden_layers = 2, r.num_attention_heads = 4;
  r.intermediate_size = 37, r.hidden_dropout_prob = 0, r.attention_probs_dropout_prob = 0;
  r.max_position_embeddings = 64, r.type_vocab_size = 1, r.layer_norm_eps = 1e-5;
  set_num_labels(r, 4);
  EXPECT_EQ(to_json(r), read_json(shared_dir() / "golden/roberta/config.json")) << to_json(r).dump(2);

  HFConfig b = default_hf_config("bert");
  b.architectures = {"BertForSequenceClassification"};
  b.vocab_size = 128, b.hidden_size = 32, b.num_hidden_layers = 2, b.num_attention_heads = 4;
  b.intermediate_size = 37, b.hidden_dropout_prob = 0, b.attention_probs_dropout_prob = 0;
  b.max_position_embeddings = 64, b.layer_norm_eps = 1e-12;
  set_num_labels(b, 2);  // the default two labels are left out, as HF does
  EXPECT_EQ(to_json(b), read_json(shared_dir() / "golden/bert/config.json")) << to_json(b).dump(2);

  HFConfig d = default_hf_config("deberta-v2");
  d.architectures = {"DebertaV2ForSequenceClassification"};
  d.vocab_size = 128, d.hidden_size = 32, d.num_hidden_layers = 2, d.num_attention_heads = 4;
  d.intermediate_size = 37, d.hidden_dropout_prob = 0, d.attention_probs_dropout_prob = 0;
  d.max_position_embeddings = 64, d.relative_attention = true, d.position_buckets = 256;
  d.norm_rel_ebd = "layer_norm", d.share_att_key = true, d.position_biased_input = false;
  d.pos_att_type = {"p2c", "c2p"}, d.pooler_dropout = 0;
  set_num_labels(d, 4);
  EXPECT_EQ(to_json(d), read_json(shared_dir() / "golden/deberta_v2/config.json")) << to_json(d).dump(2);
}

TEST(HFConfig, ParsesFieldsAndLabels) {
  ATTUNE_REQUIRE_SHARED("golden/roberta");
  const HFConfig c = load_hf_config(shared_dir() / "golden/roberta/config.json");
  EXPECT_EQ(c.model_type, "roberta");
  EXPECT_EQ(c.vocab_size, 120);
  EXPECT_EQ(c.pad_token_id, 1);
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-5);
  EXPECT_EQ(c.num_labels(), 4);
  EXPECT_EQ(c.id2label.at(3), "LABEL_3");
  EXPECT_EQ(c.label2id.at("LABEL_2"), 2);
  const HFConfig b = load_hf_config(shared_dir() / "golden/bert/config.json");
  EXPECT_EQ(b.num_labels(), 2);
  EXPECT_EQ(b.type_vocab_size, 2);
  EXPECT_EQ(b.bos_token_id, -1);
  const HFConfig d = load_hf_config(shared_dir() / "golden/deberta_v2_pb8/config.json");
  EXPECT_EQ(d.position_buckets, 8);
  EXPECT_TRUE(d.share_att_key);
  EXPECT_EQ(d.pos_att_type, (std::vector<std::string>{"p2c", "c2p"}));
}

// Missing keys take the defaults of transformers' RobertaConfig / BertConfig / DebertaV2Config.
TEST(HFConfig, DefaultsFollowTransformersConfigClasses) {
  const HFConfig r = parse_hf_config({{"model_type", "roberta"}}, "r.json");
  EXPECT_EQ(r.vocab_size, 50265);
  EXPECT_EQ(r.pad_token_id, 1);
  EXPECT_EQ(r.bos_token_id, 0);
  EXPECT_EQ(r.eos_token_id, 2);
  EXPECT_EQ(r.type_vocab_size, 2);
  EXPECT_DOUBLE_EQ(r.layer_norm_eps, 1e-12);
  const HFConfig b = parse_hf_config({{"model_type", "bert"}}, "b.json");
  EXPECT_EQ(b.vocab_size, 30522);
  EXPECT_EQ(b.pad_token_id, 0);
  EXPECT_EQ(b.hidden_size, 768);
  EXPECT_EQ(b.num_labels(), 2);
  const HFConfig d = parse_hf_config({{"model_type", "deberta-v2"}}, "d.json");
  EXPECT_EQ(d.vocab_size, 128100);
  EXPECT_EQ(d.hidden_size, 1536);
  EXPECT_EQ(d.type_vocab_size, 0);
  EXPECT_DOUBLE_EQ(d.layer_norm_eps, 1e-7);
  EXPECT_FALSE(d.relative_attention);
  EXPECT_EQ(to_json(d)["pooler_hidden_size"], 1536);
}

// Real DeBERTa-v3 checkpoints write pos_att_type as "p2c|c2p"; HF turns it into a list, and so do we.
TEST(HFConfig, PosAttTypeAcceptsPipeString) {
  json j = {{"model_type", "deberta-v2"}, {"pos_att_type", "P2C | c2p"}, {"cls_dropout", 0.2}};
  const HFConfig d = parse_hf_config(j, "v3.json");
  EXPECT_EQ(d.pos_att_type, (std::vector<std::string>{"p2c", "c2p"}));
  EXPECT_DOUBLE_EQ(d.classifier_dropout, 0.2);
  EXPECT_EQ(to_json(d)["pos_att_type"], json({"p2c", "c2p"}));
  EXPECT_EQ(to_json(d)["cls_dropout"], 0.2);
  j["pos_att_type"] = "p2c|p2p";
  EXPECT_THROW(parse_hf_config(j, "v3.json"), InputError);
}

// The hub's pretraining configs (roberta-base, microsoft/deberta-v3-base) parse, and a rewrite keeps
// their fields with HF's normalization (pos_att_type as a list).
TEST(HFConfig, HubPretrainingConfigsParse) {
  const json roberta_base = json::parse(R"({"architectures": ["RobertaForMaskedLM"],
    "attention_probs_dropout_prob": 0.1, "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-05, "max_position_embeddings": 514, "model_type": "roberta", "num_attention_heads": 12,
    "num_hidden_layers": 12, "pad_token_id": 1, "type_vocab_size": 1, "vocab_size": 50265})");
  const HFConfig r = parse_hf_config(roberta_base, "roberta-base/config.json");
  EXPECT_EQ(r.max_position_embeddings, 514);
  EXPECT_EQ(r.num_labels(), 2);
  const json deberta_v3 = json::parse(R"({"model_type": "deberta-v2", "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02,
    "intermediate_size": 3072, "max_position_embeddings": 512, "relative_attention": true, "position_buckets": 256,
    "norm_rel_ebd": "layer_norm", "share_att_key": true, "pos_att_type": "p2c|c2p", "layer_norm_eps": 1e-7,
    "max_relative_positions": -1, "position_biased_input": false, "num_attention_heads": 12,
    "num_hidden_layers": 12, "type_vocab_size": 0, "vocab_size": 128100})");
  const HFConfig d = parse_hf_config(deberta_v3, "deberta-v3-base/config.json");
  EXPECT_EQ(d.pos_att_type, (std::vector<std::string>{"p2c", "c2p"}));
  EXPECT_EQ(d.pooler_hidden_size, -1);
  const json out = to_json(d);
  EXPECT_EQ(out["pos_att_type"], json({"p2c", "c2p"}));
  EXPECT_EQ(out["pooler_hidden_size"], 768);
  EXPECT_EQ(out["position_buckets"], 256);
  EXPECT_EQ(parse_hf_config(out, "rewritten").position_buckets, 256);
}

// num_labels alone gives LABEL_i names; label2id is derived from id2label when absent.
TEST(HFConfig, LabelsFromNumLabelsAndDerivedLabel2Id) {
  const HFConfig c = parse_hf_config({{"model_type", "bert"}, {"num_labels", 3}}, "c.json");
  EXPECT_EQ(c.num_labels(), 3);
  EXPECT_EQ(c.id2label.at(2), "LABEL_2");
  EXPECT_FALSE(to_json(c).contains("num_labels"));
  EXPECT_EQ(to_json(c)["id2label"]["2"], "LABEL_2");
  const HFConfig n =
      parse_hf_config({{"model_type", "bert"}, {"id2label", {{"0", "T1059"}, {"1", "T1003"}}}}, "n");
  EXPECT_EQ(n.label2id.at("T1003"), 1);
  EXPECT_EQ(to_json(n)["label2id"]["T1059"], 0);
}

// Errors name the file, the key and the expected form.
TEST(HFConfig, RejectsBadConfigsClearly) {
  auto expect_error = [](const json& j, const std::string& needle) {
    try {
      parse_hf_config(j, "dir/config.json");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("dir/config.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  expect_error({{"model_type", "gpt2"}}, "roberta, bert, deberta-v2");
  expect_error({{"hidden_size", 8}}, "model_type");
  expect_error(json::array(), "JSON object");
  expect_error({{"model_type", "bert"}, {"hidden_size", "big"}}, "\"hidden_size\"");
  expect_error({{"model_type", "bert"}, {"hidden_size", 10}, {"num_attention_heads", 3}},
               "num_attention_heads");
  expect_error({{"model_type", "bert"}, {"hidden_dropout_prob", 1.5}}, "hidden_dropout_prob");
  expect_error({{"model_type", "bert"}, {"hidden_act", "mish"}}, "hidden_act");
  expect_error({{"model_type", "bert"}, {"id2label", {{"x", "a"}}}}, "id2label");
  expect_error({{"model_type", "bert"}, {"id2label", {{"0", "a"}, {"2", "b"}}}}, "without gaps");
  expect_error({{"model_type", "bert"}, {"position_embedding_type", "relative_key"}},
               "position_embedding_type");
  expect_error({{"model_type", "roberta"}, {"pad_token_id", nullptr}}, "pad_token_id");
  expect_error({{"model_type", "bert"}, {"vocab_size", 10}, {"pad_token_id", 10}}, "pad_token_id");
  EXPECT_THROW(load_hf_config("/nonexistent/config.json"), InputError);
}

}  // namespace
}  // namespace attune::models
