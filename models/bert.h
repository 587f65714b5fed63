// BERT: the encoder stack shared with RoBERTa and BertForSequenceClassification
// (transformers/models/bert/modeling_bert.py; RoBERTa's encoder classes are copies of these).
// Submodule names are Hugging Face's state_dict names.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

#include "models/dropout.h"
#include "models/encoder.h"
#include "models/hf_config.h"
#include "models/linear.h"

namespace attune::models {

// BertEmbeddings: word + absolute position + token type -> LayerNorm -> dropout.
struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const HFConfig& config);
  // input_ids, token_type_ids: [B, T] int64 -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);

  torch::nn::Embedding word_embeddings{nullptr};        // [V, H]
  torch::nn::Embedding position_embeddings{nullptr};    // [P, H]
  torch::nn::Embedding token_type_embeddings{nullptr};  // [type_vocab, H]
  torch::nn::LayerNorm LayerNorm{nullptr};
  FastDropout dropout{nullptr};
};
TORCH_MODULE(BertEmbeddings);

// BertSelfAttention (eager): softmax(q kᵀ / sqrt(d) + mask) v per head.
struct BertSelfAttentionImpl : torch::nn::Module {
  explicit BertSelfAttentionImpl(const HFConfig& config);
  // hidden: [B, T, H], mask: [B, 1, 1, T] additive -> (context [B, T, H], probs [B, heads, T, T])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden, const torch::Tensor& mask);

  int64_t num_heads, head_size;
  Linear query{nullptr}, key{nullptr}, value{nullptr};
  FastDropout dropout{nullptr};

 private:
  FusedLinears qkv_;  // query, key and value as one product where no gradient is taken
};
TORCH_MODULE(BertSelfAttention);

// BertSelfOutput / BertOutput: LayerNorm(dropout(dense(x)) + residual).
struct BertResidualOutputImpl : torch::nn::Module {
  BertResidualOutputImpl(const HFConfig& config, int64_t in_features);
  // x: [B, T, in], residual: [B, T, H] -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  FastDropout dropout{nullptr};
};
TORCH_MODULE(BertResidualOutput);

// BertAttention: `self` (BertSelfAttention) + `output` (BertSelfOutput).
struct BertAttentionImpl : torch::nn::Module {
  explicit BertAttentionImpl(const HFConfig& config);
  // hidden: [B, T, H], mask: [B, 1, 1, T] -> (out [B, T, H], probs [B, heads, T, T])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden, const torch::Tensor& mask);

  BertSelfAttention self_attention{nullptr};  // registered as "self"
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

// BertIntermediate: act(dense(x)).
struct BertIntermediateImpl : torch::nn::Module {
  explicit BertIntermediateImpl(const HFConfig& config);
  // x: [B, T, H] -> [B, T, intermediate]
  torch::Tensor forward(const torch::Tensor& x);

  std::string act;
  Linear dense{nullptr};
};
TORCH_MODULE(BertIntermediate);

// BertLayer: attention -> intermediate -> output.
struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const HFConfig& config);
  // hidden: [B, T, H], mask: [B, 1, 1, T] -> (out [B, T, H], probs [B, heads, T, T])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden, const torch::Tensor& mask);

  BertAttention attention{nullptr};
  BertIntermediate intermediate{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertLayer);

// BertEncoder: `layer` = ModuleList of BertLayer.
struct BertEncoderImpl : torch::nn::Module {
  explicit BertEncoderImpl(const HFConfig& config);
  // hidden: [B, T, H] (embedding output), mask: [B, 1, 1, T] -> [B, T, H]. Appends the input and every
  // layer's output to out->hidden_states, and each layer's probabilities to out->attentions, when asked.
  torch::Tensor forward(torch::Tensor hidden, const torch::Tensor& mask, const ForwardOptions& options,
                        EncoderOutput* out);

  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

// BertPooler: tanh(dense(h[:, 0])).
struct BertPoolerImpl : torch::nn::Module {
  explicit BertPoolerImpl(const HFConfig& config);
  // hidden: [B, T, H] -> [B, H]
  torch::Tensor forward(const torch::Tensor& hidden);

  Linear dense{nullptr};
};
TORCH_MODULE(BertPooler);

// BertModel: embeddings -> encoder -> pooler.
struct BertModelImpl : torch::nn::Module {
  explicit BertModelImpl(const HFConfig& config);
  // input_ids, attention_mask, token_type_ids: [B, T]; fills last_hidden_state, pooled_output, and
  // hidden_states / attentions when asked.
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids, const ForwardOptions& options);

  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
  BertPooler pooler{nullptr};
};
TORCH_MODULE(BertModel);

// BertForSequenceClassification (modeling_bert.py): `bert` (with pooler) -> dropout -> `classifier`.
struct BertForSequenceClassification : SequenceClassifier {
  explicit BertForSequenceClassification(const HFConfig& config);
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids = {},
                        const ForwardOptions& options = {}) override;
  std::vector<std::string> head_module_names() const override { return {"classifier"}; }

  BertModel bert{nullptr};
  FastDropout dropout{nullptr};
  Linear classifier{nullptr};  // [num_labels, H]
};

// HF's BertPreTrainedModel._init_weights over every submodule (RoBERTa's is the same): Linear weight
// N(0, initializer_range) and zero bias, Embedding N(0, initializer_range) with the padding row zeroed,
// LayerNorm weight 1 and bias 0. Uses the global torch generator.
void init_bert_style_weights(torch::nn::Module& model, double initializer_range);

// The attention mask to use: `attention_mask` or all ones. input_ids: [B, T] -> [B, T]
torch::Tensor mask_or_ones(const torch::Tensor& attention_mask, const torch::Tensor& input_ids);

// Checks a batch before it reaches an embedding table: input_ids [B, T] integer with ids in [0, vocab),
// attention_mask / token_type_ids (when defined) of the same shape, token types in [0, type_vocab_size), and
// T <= max_positions. Throws InputError naming the problem.
void check_encoder_inputs(const HFConfig& config, const torch::Tensor& input_ids,
                          const torch::Tensor& attention_mask, const torch::Tensor& token_type_ids,
                          int64_t max_positions);

// A BertForSequenceClassification for `config` (model_type "bert") with HF's init.
std::shared_ptr<SequenceClassifier> make_bert(const HFConfig& config);

}  // namespace attune::models
