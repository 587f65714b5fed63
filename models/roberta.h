// RoBERTa sequence classifier (transformers/models/roberta/modeling_roberta.py). The encoder stack is
// BERT's (models/bert.h); RoBERTa differs in its embeddings (positions derived from the pad id) and head.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "models/bert.h"

namespace attune::models {

// RobertaEmbeddings: word + position (from input ids, padding_idx = pad) + token type -> LayerNorm ->
// dropout.
struct RobertaEmbeddingsImpl : torch::nn::Module {
  explicit RobertaEmbeddingsImpl(const HFConfig& config);
  // input_ids, token_type_ids: [B, T] int64 (token_type_ids may be undefined = zeros) -> [B, T, H]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);

  int64_t padding_idx;
  torch::nn::Embedding word_embeddings{nullptr};        // [V, H]
  torch::nn::Embedding position_embeddings{nullptr};    // [P, H]
  torch::nn::Embedding token_type_embeddings{nullptr};  // [type_vocab, H]
  torch::nn::LayerNorm LayerNorm{nullptr};
  FastDropout dropout{nullptr};
};
TORCH_MODULE(RobertaEmbeddings);

// create_position_ids_from_input_ids: cumsum of (ids != pad) over real tokens, + pad; pads get pad.
// input_ids: [B, T] -> [B, T]
torch::Tensor roberta_position_ids(const torch::Tensor& input_ids, int64_t padding_idx);

// RobertaModel(add_pooling_layer=False): embeddings -> encoder (BERT's).
struct RobertaModelImpl : torch::nn::Module {
  explicit RobertaModelImpl(const HFConfig& config);
  // input_ids, attention_mask, token_type_ids: [B, T]; fills last_hidden_state and, when asked,
  // hidden_states / attentions.
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids, const ForwardOptions& options);

  RobertaEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
};
TORCH_MODULE(RobertaModel);

// RobertaClassificationHead: h[:, 0] -> dropout -> dense -> tanh -> dropout -> out_proj.
struct RobertaClassificationHeadImpl : torch::nn::Module {
  explicit RobertaClassificationHeadImpl(const HFConfig& config);
  // features: [B, T, H] -> (logits [B, num_labels], pooled = tanh(dense(h[:, 0])) [B, H])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& features);

  Linear dense{nullptr};  // [H, H]
  FastDropout dropout{nullptr};
  Linear out_proj{nullptr};  // [num_labels, H]
};
TORCH_MODULE(RobertaClassificationHead);

// RobertaForSequenceClassification (modeling_roberta.py): `roberta` -> `classifier`.
// pooled_output is the input of classifier.out_proj, tanh(classifier.dense(h[:, 0])).
struct RobertaForSequenceClassification : SequenceClassifier {
  explicit RobertaForSequenceClassification(const HFConfig& config);
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids = {},
                        const ForwardOptions& options = {}) override;
  std::vector<std::string> head_module_names() const override { return {"classifier"}; }

  RobertaModel roberta{nullptr};
  RobertaClassificationHead classifier{nullptr};
};

// A RobertaForSequenceClassification for `config` (model_type "roberta") with HF's init.
std::shared_ptr<SequenceClassifier> make_roberta(const HFConfig& config);

}  // namespace attune::models
