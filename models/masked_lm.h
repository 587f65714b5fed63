// Masked-language-model heads on our encoders, under Hugging Face's names, for `pretrain`:
//   roberta     RobertaForMaskedLM (modeling_roberta.py): lm_head.{dense, layer_norm, bias}
//   bert        BertForMaskedLM (modeling_bert.py): cls.predictions.{transform.dense, transform.LayerNorm,
//   bias} deberta-v2  DebertaV2ForMaskedLM with legacy=True (modeling_deberta_v2.py): the same names as BERT
// The decoder weight is tied to the word embeddings (tie_word_embeddings), so it is neither a parameter of
// its own nor written to the file; transformers re-ties it on load, exactly as for its own checkpoints.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "models/hf_config.h"

namespace attune::models {

// The MLM head: dense -> activation -> LayerNorm -> (x · word_embeddingsᵀ + bias). RoBERTa's layout
// registers dense/layer_norm/bias on the head itself; BERT's (and DeBERTa's legacy one) puts dense and
// LayerNorm under `transform`.
struct MlmHeadImpl : torch::nn::Module {
  MlmHeadImpl(const HFConfig& config, bool bert_layout);
  // hidden: [N, H], word_embeddings: [V, H] -> logits [N, V]
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& word_embeddings);

  std::string activation_name;               // RoBERTa: always "gelu"; BERT/DeBERTa: hidden_act
  torch::nn::Linear dense{nullptr};          // [H, H]
  torch::nn::LayerNorm layer_norm{nullptr};  // [H]
  torch::Tensor bias;                        // [V]
};
TORCH_MODULE(MlmHead);

// An encoder with its MLM head. named_parameters() are exactly the checkpoint's names: the base model
// ("roberta.…", "bert.…", "deberta.…") and the head ("lm_head.…" or "cls.predictions.…"). The sequence
// classifier that owns the base model is kept (not registered) to run it; its classification head is
// not part of this module.
struct MaskedLMImpl : torch::nn::Module {
  explicit MaskedLMImpl(std::shared_ptr<SequenceClassifier> encoder);

  // The head's logits at the selected positions only (the rest of the sequence costs no vocabulary
  // projection). input_ids, attention_mask: [B, T]; positions: [N] int64 flat indices into B*T.
  // -> [N, V]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& positions);

  // The HF class this mirrors: "RobertaForMaskedLM", "BertForMaskedLM", "DebertaV2ForMaskedLM".
  std::string architecture() const;
  // The head's name prefix: "lm_head" or "cls.predictions".
  std::string head_prefix() const;

  std::shared_ptr<SequenceClassifier> encoder;
  torch::Tensor word_embeddings;  // the base model's [V, H] embedding weight (tied decoder)
  MlmHead head{nullptr};          // registered under head_prefix()
};
TORCH_MODULE(MaskedLM);

// A new MLM model for `config` with HF's init (seeded).
MaskedLM create_masked_lm(const HFConfig& config, uint64_t seed);

// Loads a HF dir (any of our architectures, with or without an MLM head: domain-adaptive pretraining
// continues roberta-base's own lm_head, or starts a fresh head) and reports the head's names it had to
// initialize in `newly_initialized`. Also accepts the original DeBERTa checkpoints'
// lm_predictions.lm_head.* names. InputError as load_model.
MaskedLM load_masked_lm(const std::filesystem::path& dir,
                        std::vector<std::string>* newly_initialized = nullptr, uint64_t seed = 0);

// Writes a HF dir: config.json with architectures = {architecture()} and no labels, and
// model.safetensors holding the base model and the MLM head (fp32 or bf16).
void save_masked_lm(MaskedLMImpl& model, const std::filesystem::path& dir,
                    torch::ScalarType dtype = torch::kFloat);

}  // namespace attune::models
