#include "models/roberta.h"

#include "models/activations.h"

namespace attune::models {

namespace {

torch::nn::LayerNorm make_layer_norm(const HFConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}

}  // namespace

torch::Tensor roberta_position_ids(const torch::Tensor& input_ids, int64_t padding_idx) {
  auto mask = input_ids.ne(padding_idx).to(torch::kInt);                     // [B, T]
  auto incremental = torch::cumsum(mask, /*dim=*/1).to(torch::kInt) * mask;  // [B, T]
  return incremental.to(torch::kLong) + padding_idx;
}

RobertaEmbeddingsImpl::RobertaEmbeddingsImpl(const HFConfig& c) : padding_idx(c.pad_token_id) {
  word_embeddings =
      register_module("word_embeddings",
                      torch::nn::Embedding(
                          torch::nn::EmbeddingOptions(c.vocab_size, c.hidden_size).padding_idx(padding_idx)));
  position_embeddings = register_module(
      "position_embeddings",
      torch::nn::Embedding(
          torch::nn::EmbeddingOptions(c.max_position_embeddings, c.hidden_size).padding_idx(padding_idx)));
  token_type_embeddings =
      register_module("token_type_embeddings",
                      torch::nn::Embedding(torch::nn::EmbeddingOptions(c.type_vocab_size, c.hidden_size)));
  LayerNorm = register_module("LayerNorm", make_layer_norm(c));
  dropout = register_module("dropout", FastDropout(c.hidden_dropout_prob));
}

torch::Tensor RobertaEmbeddingsImpl::forward(const torch::Tensor& input_ids,
                                             const torch::Tensor& token_type_ids) {
  auto positions = roberta_position_ids(input_ids, padding_idx);  // [B, T]
  auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  auto x = word_embeddings(input_ids) + token_type_embeddings(types);  // [B, T, H]
  x = x + position_embeddings(positions);
  return dropout(LayerNorm(x));
}

RobertaModelImpl::RobertaModelImpl(const HFConfig& c) {
  embeddings = register_module("embeddings", RobertaEmbeddings(c));
  encoder = register_module("encoder", BertEncoder(c));
}

EncoderOutput RobertaModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                        const torch::Tensor& token_type_ids, const ForwardOptions& options) {
  EncoderOutput out;
  auto mask = additive_attention_mask(mask_or_ones(attention_mask, input_ids),
                                      embeddings->word_embeddings->weight.scalar_type());  // [B, 1, 1, T]
  auto hidden = embeddings(input_ids, token_type_ids);                                     // [B, T, H]
  out.last_hidden_state = encoder(hidden, mask, options, &out);
  return out;
}

RobertaClassificationHeadImpl::RobertaClassificationHeadImpl(const HFConfig& c) {
  dense = register_module("dense", Linear(c.hidden_size, c.hidden_size));
  const double p = c.classifier_dropout >= 0 ? c.classifier_dropout : c.hidden_dropout_prob;
  dropout = register_module("dropout", FastDropout(p));
  out_proj = register_module("out_proj", Linear(c.hidden_size, c.num_labels()));
}

std::pair<torch::Tensor, torch::Tensor> RobertaClassificationHeadImpl::forward(
    const torch::Tensor& features) {
  auto x = dropout(features.select(/*dim=*/1, /*index=*/0));  // [B, H], the <s> token
  auto pooled = torch::tanh(dense(x));                        // [B, H]
  return {out_proj(dropout(pooled)), pooled};
}

RobertaForSequenceClassification::RobertaForSequenceClassification(const HFConfig& c)
    : SequenceClassifier(c) {
  roberta = register_module("roberta", RobertaModel(c));
  classifier = register_module("classifier", RobertaClassificationHead(c));
}

EncoderOutput RobertaForSequenceClassification::forward(const torch::Tensor& input_ids,
                                                        const torch::Tensor& attention_mask,
                                                        const torch::Tensor& token_type_ids,
                                                        const ForwardOptions& options) {
  // Positions run from pad + 1 to pad + T.
  check_encoder_inputs(config, input_ids, attention_mask, token_type_ids,
                       config.max_position_embeddings - config.pad_token_id - 1);
  EncoderOutput out = roberta(input_ids, attention_mask, token_type_ids, options);
  std::tie(out.logits, out.pooled_output) = classifier(out.last_hidden_state);
  return out;
}

std::shared_ptr<SequenceClassifier> make_roberta(const HFConfig& config) {
  auto model = std::make_shared<RobertaForSequenceClassification>(config);
  init_bert_style_weights(*model, config.initializer_range);
  return model;
}

}  // namespace attune::models
