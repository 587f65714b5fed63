// The interface every sequence-classification encoder implements (RoBERTa, BERT, DeBERTa-v2/v3).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "models/hf_config.h"

namespace attune::models {

struct ForwardOptions {
  bool output_hidden_states = false;  // fill EncoderOutput::hidden_states
  bool output_attentions = false;     // fill EncoderOutput::attentions
};

struct EncoderOutput {
  torch::Tensor logits;                      // [B, num_labels]
  torch::Tensor last_hidden_state;           // [B, T, H]
  torch::Tensor pooled_output;               // [B, H]: BERT pooler / DeBERTa ContextPooler / RoBERTa tanh(classifier.dense(h[:, 0]))
  std::vector<torch::Tensor> hidden_states;  // L+1 × [B, T, H] (embeddings first), when requested
  std::vector<torch::Tensor> attentions;     // L × [B, heads, T, T] softmax probabilities, when requested
};

// Base of RobertaForSequenceClassification, BertForSequenceClassification,
// DebertaV2ForSequenceClassification. Submodules are registered under Hugging Face's state_dict names.
struct SequenceClassifier : torch::nn::Module {
  explicit SequenceClassifier(HFConfig config) : config(std::move(config)) {}

  // input_ids, attention_mask, token_type_ids: [B, T] int64 (token_type_ids may be undefined = zeros).
  virtual EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                const torch::Tensor& token_type_ids = {}, const ForwardOptions& options = {}) = 0;

  // Names (state_dict keys) of the classification head: trained and saved whole under LoRA/BitFit
  // (for DeBERTa this includes the pooler).
  virtual std::vector<std::string> head_module_names() const = 0;

  HFConfig config;
};

}  // namespace attune::models
