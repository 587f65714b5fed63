// Hugging Face `config.json` for the encoders attune knows: `roberta`, `bert`, `deberta-v2` (DeBERTa-v2/v3).
// Mirrors transformers' RobertaConfig / BertConfig / DebertaV2Config field names and defaults.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace attune::models {

struct HFConfig {
  std::string model_type;                  // "roberta" | "bert" | "deberta-v2"
  std::vector<std::string> architectures;  // e.g. {"RobertaForSequenceClassification"}
  int64_t vocab_size = 0;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  int64_t pad_token_id = 0;
  int64_t bos_token_id = -1;                         // -1: absent
  int64_t eos_token_id = -1;                         // -1: absent
  double classifier_dropout = -1;                    // -1: null (falls back to hidden_dropout_prob)
  std::string problem_type;                          // "" | "single_label_classification" | ...
  std::string position_embedding_type = "absolute";  // roberta/bert: only "absolute" is supported
  std::string torch_dtype = "float32";               // written to config.json by save_model
  std::map<int64_t, std::string> id2label;
  std::map<std::string, int64_t> label2id;

  // deberta-v2 only.
  bool relative_attention = false;
  int64_t max_relative_positions = -1;
  int64_t position_buckets = -1;
  std::vector<std::string> pos_att_type;  // accepts ["p2c","c2p"] or "p2c|c2p"
  std::string norm_rel_ebd = "none";
  bool share_att_key = false;
  bool position_biased_input = true;
  int64_t pooler_hidden_size = -1;  // -1: hidden_size
  double pooler_dropout = 0;
  std::string pooler_hidden_act = "gelu";
  int64_t embedding_size = -1;  // -1: hidden_size
  // For deberta-v2, classifier_dropout is read from and written to HF's `cls_dropout`.

  nlohmann::json raw;  // the whole file as read, so unknown fields survive a rewrite

  int64_t num_labels() const { return id2label.empty() ? 2 : static_cast<int64_t>(id2label.size()); }
};

// The model types attune implements, for error messages. The two attune-* types are the classic baselines
// (models/lstm_classifier.h, models/tfidf_logreg.h): their config.json holds only the fields they use
// (vocab_size, embedding_size, hidden_size, hidden_dropout_prob, max_position_embeddings = the padded
// sequence length, pad_token_id, labels); transformers does not know them.
constexpr const char* kSupportedModelTypes = "roberta, bert, deberta-v2, attune-lstm, attune-tfidf-logreg";
inline constexpr const char* kLstmModelType = "attune-lstm";
inline constexpr const char* kTfidfLogregModelType = "attune-tfidf-logreg";
// attune-lstm or attune-tfidf-logreg.
bool is_classic_model_type(const std::string& model_type);
// The transformers version whose config.json / checkpoint layout we write.
constexpr const char* kTransformersVersion = "4.49.0.dev0";

// Reads and validates `config.json`; unknown model_type or a malformed field throws InputError naming
// the file and the key.
HFConfig load_hf_config(const std::filesystem::path& file);
HFConfig parse_hf_config(const nlohmann::json& j, const std::string& origin);

// A config with transformers' defaults for `model_type` (RobertaConfig(), BertConfig(), DebertaV2Config()).
HFConfig default_hf_config(const std::string& model_type);

// Sets id2label/label2id to `labels` in order (id i -> labels[i]); empty names give "LABEL_i".
void set_labels(HFConfig& config, const std::vector<std::string>& labels);
// Sets `n` generic labels LABEL_0..LABEL_{n-1}.
void set_num_labels(HFConfig& config, int64_t n);

// The HF class name of the sequence classifier for this model_type ("RobertaForSequenceClassification"...).
std::string sequence_classification_architecture(const std::string& model_type);

// The JSON transformers writes for this config (save_pretrained's diff form, `architectures`,
// `id2label` with string keys, `label2id`, `problem_type`, `torch_dtype`, `transformers_version`).
nlohmann::json to_json(const HFConfig& config);
// Writes to_json(config) as transformers does (2-space indent, sorted keys, trailing newline), atomically.
void save_hf_config(const HFConfig& config, const std::filesystem::path& file);

}  // namespace attune::models
