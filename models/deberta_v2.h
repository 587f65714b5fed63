// DebertaV2ForSequenceClassification (transformers/models/deberta_v2/modeling_deberta_v2.py,
// transformers 4.49, after the Nov-2024 refactor). Submodules carry HF's state_dict names
// (deberta.embeddings.word_embeddings, deberta.encoder.layer.N.attention.self.query_proj,
// deberta.encoder.rel_embeddings, pooler.dense, classifier).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "models/deberta_v2_attention.h"
#include "models/encoder.h"
#include "models/linear.h"

namespace attune::models {

// Mirrors DebertaV2Embeddings (deberta.embeddings.*).
struct DebertaV2EmbeddingsImpl : torch::nn::Module {
  explicit DebertaV2EmbeddingsImpl(const HFConfig& config);
  // input_ids, token_type_ids: [B, T] int64; mask: [B, T] -> [B, T, H] (masked positions are 0)
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                        const torch::Tensor& mask);

  double dropout;
  torch::nn::Embedding word_embeddings{nullptr};        // [vocab, E]
  torch::nn::Embedding position_embeddings{nullptr};    // [max_position, E], only when position_biased_input
  torch::nn::Embedding token_type_embeddings{nullptr};  // [type_vocab, E], only when type_vocab_size > 0
  Linear embed_proj{nullptr};                           // E -> H without bias, only when E != H
  torch::nn::LayerNorm LayerNorm{nullptr};              // NOLINT(readability-identifier-naming): HF's name
};
TORCH_MODULE(DebertaV2Embeddings);

// Mirrors DebertaV2SelfOutput and DebertaV2Output: dense -> dropout -> LayerNorm(x + residual).
struct DebertaV2DenseNormImpl : torch::nn::Module {
  DebertaV2DenseNormImpl(int64_t in_features, const HFConfig& config);
  // x: [B, T, in], residual: [B, T, H] -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  double dropout;
  Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};  // NOLINT(readability-identifier-naming)
};
TORCH_MODULE(DebertaV2DenseNorm);

// Mirrors DebertaV2Attention (<layer>.attention.{self,output}).
struct DebertaV2AttentionImpl : torch::nn::Module {
  explicit DebertaV2AttentionImpl(const HFConfig& config);
  DisentangledSelfAttention self{nullptr};
  DebertaV2DenseNorm output{nullptr};
};
TORCH_MODULE(DebertaV2Attention);

// Mirrors DebertaV2Intermediate (<layer>.intermediate.dense + hidden_act).
struct DebertaV2IntermediateImpl : torch::nn::Module {
  explicit DebertaV2IntermediateImpl(const HFConfig& config);
  // x: [B, T, H] -> [B, T, intermediate]
  torch::Tensor forward(const torch::Tensor& x);
  Linear dense{nullptr};
  std::string act;  // ACT2FN name
};
TORCH_MODULE(DebertaV2Intermediate);

// Mirrors DebertaV2Layer (deberta.encoder.layer.N).
struct DebertaV2LayerImpl : torch::nn::Module {
  explicit DebertaV2LayerImpl(const HFConfig& config);
  // hidden: [B, T, H] -> ([B, T, H], probabilities [B, heads, T, T] or undefined); see
  // DisentangledSelfAttention.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& hidden, const torch::Tensor& mask,
                                                  const RelativePositions& rel,
                                                  const torch::Tensor& rel_embeddings,
                                                  bool output_attentions);
  DebertaV2Attention attention{nullptr};
  DebertaV2Intermediate intermediate{nullptr};
  DebertaV2DenseNorm output{nullptr};
};
TORCH_MODULE(DebertaV2Layer);

// Mirrors ConvLayer (deberta.encoder.conv, DeBERTa-v2 xlarge/xxlarge when conv_kernel_size > 0).
struct DebertaV2ConvLayerImpl : torch::nn::Module {
  explicit DebertaV2ConvLayerImpl(const HFConfig& config);
  // embeddings, layer0: [B, T, H]; mask: [B, T] -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& embeddings, const torch::Tensor& layer0,
                        const torch::Tensor& mask);
  double dropout;
  std::string act;  // ACT2FN name
  torch::nn::Conv1d conv{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};  // NOLINT(readability-identifier-naming)
};
TORCH_MODULE(DebertaV2ConvLayer);

// Mirrors DebertaV2Encoder (deberta.encoder.*).
struct DebertaV2EncoderImpl : torch::nn::Module {
  explicit DebertaV2EncoderImpl(const HFConfig& config);
  // hidden: [B, T, H] embeddings output; mask: [B, T]. Fills out.last_hidden_state and, when asked,
  // out.hidden_states (embeddings first) and out.attentions.
  void forward(const torch::Tensor& hidden, const torch::Tensor& mask, const ForwardOptions& options,
               EncoderOutput& out);

  RelativeSettings settings;
  bool norm_rel_ebd = false;  // "layer_norm" in norm_rel_ebd
  torch::nn::ModuleList layer{nullptr};
  torch::nn::Embedding rel_embeddings{nullptr};  // [2 * att_span, H], only with relative_attention
  torch::nn::LayerNorm LayerNorm{nullptr};       // NOLINT(readability-identifier-naming): norm_rel_ebd
  DebertaV2ConvLayer conv{nullptr};
};
TORCH_MODULE(DebertaV2Encoder);

// Mirrors DebertaV2Model (deberta.*).
struct DebertaV2ModelImpl : torch::nn::Module {
  explicit DebertaV2ModelImpl(const HFConfig& config);
  DebertaV2Embeddings embeddings{nullptr};
  DebertaV2Encoder encoder{nullptr};
};
TORCH_MODULE(DebertaV2Model);

// Mirrors ContextPooler (pooler.*): token 0 -> dropout -> dense -> pooler_hidden_act.
struct ContextPoolerImpl : torch::nn::Module {
  explicit ContextPoolerImpl(const HFConfig& config);
  // hidden: [B, T, H] -> [B, pooler_hidden_size]
  torch::Tensor forward(const torch::Tensor& hidden);
  double dropout;
  std::string act;  // ACT2FN name
  Linear dense{nullptr};
};
TORCH_MODULE(ContextPooler);

// Mirrors DebertaV2ForSequenceClassification: deberta -> pooler -> dropout -> classifier.
struct DebertaV2ForSequenceClassification : SequenceClassifier {
  explicit DebertaV2ForSequenceClassification(const HFConfig& config);

  // input_ids, attention_mask, token_type_ids: [B, T] (mask / token types may be undefined: ones / zeros).
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids = {},
                        const ForwardOptions& options = {}) override;
  std::vector<std::string> head_module_names() const override { return {"pooler", "classifier"}; }

  double classifier_dropout;  // cls_dropout, else hidden_dropout_prob
  DebertaV2Model deberta{nullptr};
  ContextPooler pooler{nullptr};
  Linear classifier{nullptr};
};

// A DeBERTa-v2/v3 sequence classifier for `config` (model_type "deberta-v2"), HF's init (normal(0,
// initializer_range) weights from torch's global generator, zero biases, unit LayerNorms), not loaded.
std::shared_ptr<SequenceClassifier> make_deberta_v2(const HFConfig& config);

}  // namespace attune::models
