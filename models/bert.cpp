#include "models/bert.h"

#include <cmath>

#include "base/errors.h"
#include "models/activations.h"
#include "models/autocast.h"

namespace attune::models {

namespace {

torch::nn::LayerNorm make_layer_norm(const HFConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}

double classifier_dropout(const HFConfig& c) {
  return c.classifier_dropout >= 0 ? c.classifier_dropout : c.hidden_dropout_prob;
}

}  // namespace

torch::Tensor mask_or_ones(const torch::Tensor& attention_mask, const torch::Tensor& input_ids) {
  return attention_mask.defined() ? attention_mask : torch::ones_like(input_ids);
}

void check_encoder_inputs(const HFConfig& c, const torch::Tensor& input_ids,
                          const torch::Tensor& attention_mask, const torch::Tensor& token_type_ids,
                          int64_t max_positions) {
  auto shape = [](const torch::Tensor& t) { return c10::str(t.sizes()); };
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.scalar_type() != torch::kLong)
    throw InputError("input_ids must be a [batch, length] int64 tensor");
  if (input_ids.size(1) > max_positions)
    throw InputError("sequence length " + std::to_string(input_ids.size(1)) +
                     " exceeds the model's limit of " + std::to_string(max_positions) +
                     " tokens (truncate to max_length)");
  if (input_ids.numel() > 0) {
    const auto lo = input_ids.min().item<int64_t>(), hi = input_ids.max().item<int64_t>();
    if (lo < 0 || hi >= c.vocab_size)
      throw InputError("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary [0, " +
                       std::to_string(c.vocab_size) + ")");
  }
  for (const auto* t : {&attention_mask, &token_type_ids})
    if (t->defined() && t->sizes() != input_ids.sizes())
      throw InputError("attention_mask/token_type_ids shape " + shape(*t) + " differs from input_ids " +
                       shape(input_ids));
  if (token_type_ids.defined() && token_type_ids.numel() > 0 && c.type_vocab_size > 0) {
    const auto lo = token_type_ids.min().item<int64_t>(), hi = token_type_ids.max().item<int64_t>();
    if (lo < 0 || hi >= c.type_vocab_size)
      throw InputError("token type id " + std::to_string(lo < 0 ? lo : hi) + " is outside [0, " +
                       std::to_string(c.type_vocab_size) + ")");
  }
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const HFConfig& c) {
  auto word = torch::nn::EmbeddingOptions(c.vocab_size, c.hidden_size);
  if (c.pad_token_id >= 0) word.padding_idx(c.pad_token_id);
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(word));
  position_embeddings = register_module(
      "position_embeddings",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(c.max_position_embeddings, c.hidden_size)));
  token_type_embeddings =
      register_module("token_type_embeddings",
                      torch::nn::Embedding(torch::nn::EmbeddingOptions(c.type_vocab_size, c.hidden_size)));
  LayerNorm = register_module("LayerNorm", make_layer_norm(c));
  dropout = register_module("dropout", FastDropout(c.hidden_dropout_prob));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids,
                                          const torch::Tensor& token_type_ids) {
  const int64_t T = input_ids.size(1);
  auto positions = torch::arange(T, input_ids.options()).unsqueeze(0);  // [1, T]
  auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  auto x = word_embeddings(input_ids) + token_type_embeddings(types);  // [B, T, H]
  x = x + position_embeddings(positions);
  return dropout(LayerNorm(x));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const HFConfig& c)
    : num_heads(c.num_attention_heads), head_size(c.hidden_size / c.num_attention_heads) {
  query = register_module("query", Linear(c.hidden_size, c.hidden_size));
  key = register_module("key", Linear(c.hidden_size, c.hidden_size));
  value = register_module("value", Linear(c.hidden_size, c.hidden_size));
  dropout = register_module("dropout", FastDropout(c.attention_probs_dropout_prob));
}

std::pair<torch::Tensor, torch::Tensor> BertSelfAttentionImpl::forward(const torch::Tensor& hidden,
                                                                       const torch::Tensor& mask) {
  const int64_t B = hidden.size(0), T = hidden.size(1);
  // [B, T, H] -> [B, heads, T, d]
  auto heads = [&](const torch::Tensor& x) { return x.view({B, T, num_heads, head_size}).transpose(1, 2); };
  const auto h = autocast_input(hidden);  // one bf16 cast for Q, K, V and their adapters
  auto qkv = qkv_.forward({query.get(), key.get(), value.get()}, h);
  if (qkv.empty()) qkv = {query(h), key(h), value(h)};
  auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
  auto scores =
      torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_size));  // [B, h, T, T]
  scores = scores + mask;
  auto probs = dropout(torch::softmax(scores, /*dim=*/-1));                    // [B, h, T, T]
  auto context = torch::matmul(probs, v).transpose(1, 2).reshape({B, T, -1});  // [B, T, H]
  return {context, probs};
}

BertResidualOutputImpl::BertResidualOutputImpl(const HFConfig& c, int64_t in_features) {
  dense = register_module("dense", Linear(in_features, c.hidden_size));
  LayerNorm = register_module("LayerNorm", make_layer_norm(c));
  dropout = register_module("dropout", FastDropout(c.hidden_dropout_prob));
}

torch::Tensor BertResidualOutputImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return LayerNorm(dropout(dense(x)) + residual);
}

BertAttentionImpl::BertAttentionImpl(const HFConfig& c) {
  self_attention = register_module("self", BertSelfAttention(c));
  output = register_module("output", BertResidualOutput(c, c.hidden_size));
}

std::pair<torch::Tensor, torch::Tensor> BertAttentionImpl::forward(const torch::Tensor& hidden,
                                                                   const torch::Tensor& mask) {
  auto [context, probs] = self_attention(hidden, mask);
  return {output(context, hidden), probs};
}

BertIntermediateImpl::BertIntermediateImpl(const HFConfig& c) : act(c.hidden_act) {
  dense = register_module("dense", Linear(c.hidden_size, c.intermediate_size));
}

torch::Tensor BertIntermediateImpl::forward(const torch::Tensor& x) {
  return dense->forward_activated(autocast_input(x), act);
}

BertLayerImpl::BertLayerImpl(const HFConfig& c) {
  attention = register_module("attention", BertAttention(c));
  intermediate = register_module("intermediate", BertIntermediate(c));
  output = register_module("output", BertResidualOutput(c, c.intermediate_size));
}

std::pair<torch::Tensor, torch::Tensor> BertLayerImpl::forward(const torch::Tensor& hidden,
                                                               const torch::Tensor& mask) {
  auto [attn, probs] = attention(hidden, mask);
  return {output(intermediate(attn), attn), probs};
}

BertEncoderImpl::BertEncoderImpl(const HFConfig& c) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layer->push_back(BertLayer(c));
}

torch::Tensor BertEncoderImpl::forward(torch::Tensor hidden, const torch::Tensor& mask,
                                       const ForwardOptions& options, EncoderOutput* out) {
  if (options.output_hidden_states) out->hidden_states.push_back(hidden);
  for (const auto& module : *layer) {
    auto [next, probs] = module->as<BertLayerImpl>()->forward(hidden, mask);
    hidden = next;
    if (options.output_hidden_states) out->hidden_states.push_back(hidden);
    if (options.output_attentions) out->attentions.push_back(probs);
  }
  return hidden;
}

BertPoolerImpl::BertPoolerImpl(const HFConfig& c) {
  dense = register_module("dense", Linear(c.hidden_size, c.hidden_size));
}

torch::Tensor BertPoolerImpl::forward(const torch::Tensor& hidden) {
  return torch::tanh(dense(hidden.select(/*dim=*/1, /*index=*/0)));
}

BertModelImpl::BertModelImpl(const HFConfig& c) {
  embeddings = register_module("embeddings", BertEmbeddings(c));
  encoder = register_module("encoder", BertEncoder(c));
  pooler = register_module("pooler", BertPooler(c));
}

EncoderOutput BertModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                     const torch::Tensor& token_type_ids, const ForwardOptions& options) {
  EncoderOutput out;
  auto mask = additive_attention_mask(mask_or_ones(attention_mask, input_ids),
                                      embeddings->word_embeddings->weight.scalar_type());  // [B, 1, 1, T]
  auto hidden = embeddings(input_ids, token_type_ids);                                     // [B, T, H]
  out.last_hidden_state = encoder(hidden, mask, options, &out);
  out.pooled_output = pooler(out.last_hidden_state);  // [B, H]
  return out;
}

BertForSequenceClassification::BertForSequenceClassification(const HFConfig& c) : SequenceClassifier(c) {
  bert = register_module("bert", BertModel(c));
  dropout = register_module("dropout", FastDropout(classifier_dropout(c)));
  classifier = register_module("classifier", Linear(c.hidden_size, c.num_labels()));
}

EncoderOutput BertForSequenceClassification::forward(const torch::Tensor& input_ids,
                                                     const torch::Tensor& attention_mask,
                                                     const torch::Tensor& token_type_ids,
                                                     const ForwardOptions& options) {
  check_encoder_inputs(config, input_ids, attention_mask, token_type_ids, config.max_position_embeddings);
  EncoderOutput out = bert(input_ids, attention_mask, token_type_ids, options);
  out.logits = classifier(dropout(out.pooled_output));  // [B, num_labels]
  return out;
}

void init_bert_style_weights(torch::nn::Module& model, double std) {
  torch::NoGradGuard no_grad;
  for (auto& module : model.modules(/*include_self=*/true)) {
    if (auto* lin = module->as<LinearImpl>()) {
      lin->weight.normal_(/*mean=*/0.0, std);
      if (lin->bias.defined()) lin->bias.zero_();
    } else if (auto* emb = module->as<torch::nn::EmbeddingImpl>()) {
      emb->weight.normal_(/*mean=*/0.0, std);
      if (auto pad = emb->options.padding_idx()) emb->weight[*pad].zero_();
    } else if (auto* ln = module->as<torch::nn::LayerNormImpl>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
}

std::shared_ptr<SequenceClassifier> make_bert(const HFConfig& config) {
  auto model = std::make_shared<BertForSequenceClassification>(config);
  init_bert_style_weights(*model, config.initializer_range);
  return model;
}

}  // namespace attune::models
