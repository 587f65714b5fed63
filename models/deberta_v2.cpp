#include "models/deberta_v2.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "base/errors.h"
#include "models/activations.h"
#include "models/autocast.h"
#include "models/dropout.h"

namespace attune::models {
namespace {

torch::nn::LayerNorm layer_norm(int64_t size, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({size}).eps(eps).elementwise_affine(true));
}

// A field of config.json that HFConfig does not carry (yet): `fallback` when absent or null.
template <typename T>
T raw_field(const HFConfig& config, const std::string& key, T fallback) {
  if (!config.raw.is_object() || !config.raw.contains(key) || config.raw[key].is_null()) return fallback;
  try {
    return config.raw[key].get<T>();
  } catch (const std::exception& e) {
    throw InputError("config.json: " + key + ": unexpected type (" + e.what() + ")");
  }
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// `name` when models/activations.h implements it, else InputError naming the config key.
std::string checked_activation(const std::string& name, const std::string& key) {
  if (!is_supported_activation(name))
    throw InputError("config.json: " + key + ": unsupported activation \"" + name + "\" (expected one of " +
                     kSupportedActivations + ")");
  return name;
}

}  // namespace

DebertaV2EmbeddingsImpl::DebertaV2EmbeddingsImpl(const HFConfig& config)
    : dropout(config.hidden_dropout_prob) {
  const int64_t E = config.embedding_size > 0 ? config.embedding_size : config.hidden_size;
  if (config.vocab_size <= 0) throw InputError("config.json: vocab_size: expected a positive integer");
  if (config.pad_token_id >= config.vocab_size)
    throw InputError("config.json: pad_token_id (" + std::to_string(config.pad_token_id) +
                     ") must be below vocab_size (" + std::to_string(config.vocab_size) + ")");
  auto options = torch::nn::EmbeddingOptions(config.vocab_size, E);
  if (config.pad_token_id >= 0) options.padding_idx(config.pad_token_id);  // absent/null: no padding row
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(options));
  if (config.position_biased_input)
    position_embeddings =
        register_module("position_embeddings", torch::nn::Embedding(config.max_position_embeddings, E));
  if (config.type_vocab_size > 0)
    token_type_embeddings =
        register_module("token_type_embeddings", torch::nn::Embedding(config.type_vocab_size, E));
  if (E != config.hidden_size)
    embed_proj = register_module("embed_proj", Linear(E, config.hidden_size, /*bias=*/false));
  LayerNorm = register_module("LayerNorm", layer_norm(config.hidden_size, config.layer_norm_eps));
}

torch::Tensor DebertaV2EmbeddingsImpl::forward(const torch::Tensor& input_ids,
                                               const torch::Tensor& token_type_ids,
                                               const torch::Tensor& mask) {
  auto x = word_embeddings(input_ids);  // [B, T, E]
  if (position_embeddings)
    x = x + position_embeddings(torch::arange(input_ids.size(1), input_ids.options())).unsqueeze(0);
  if (token_type_embeddings) x = x + token_type_embeddings(token_type_ids);
  if (embed_proj) x = embed_proj(x);
  x = LayerNorm(x);                         // [B, T, H]
  x = x * mask.unsqueeze(2).to(x.dtype());  // padded positions are exactly 0
  return fast_dropout(x, dropout, is_training());
}

DebertaV2DenseNormImpl::DebertaV2DenseNormImpl(int64_t in_features, const HFConfig& config)
    : dropout(config.hidden_dropout_prob) {
  dense = register_module("dense", Linear(in_features, config.hidden_size));
  LayerNorm = register_module("LayerNorm", layer_norm(config.hidden_size, config.layer_norm_eps));
}

torch::Tensor DebertaV2DenseNormImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return LayerNorm(fast_dropout(dense(x), dropout, is_training()) + residual);
}

DebertaV2AttentionImpl::DebertaV2AttentionImpl(const HFConfig& config) {
  self = register_module("self", DisentangledSelfAttention(config));
  output = register_module("output", DebertaV2DenseNorm(self->num_heads * self->head_dim, config));
}

DebertaV2IntermediateImpl::DebertaV2IntermediateImpl(const HFConfig& config)
    : act(checked_activation(config.hidden_act, "hidden_act")) {
  dense = register_module("dense", Linear(config.hidden_size, config.intermediate_size));
}

torch::Tensor DebertaV2IntermediateImpl::forward(const torch::Tensor& x) {
  return dense->forward_activated(autocast_input(x), act);  // one bf16 cast for the Linear and its adapter
}

DebertaV2LayerImpl::DebertaV2LayerImpl(const HFConfig& config) {
  attention = register_module("attention", DebertaV2Attention(config));
  intermediate = register_module("intermediate", DebertaV2Intermediate(config));
  output = register_module("output", DebertaV2DenseNorm(config.intermediate_size, config));
}

std::pair<torch::Tensor, torch::Tensor> DebertaV2LayerImpl::forward(const torch::Tensor& hidden,
                                                                    const torch::Tensor& mask,
                                                                    const RelativePositions& rel,
                                                                    const torch::Tensor& rel_embeddings,
                                                                    bool output_attentions) {
  auto [context, probs] = attention->self(hidden, mask, rel, rel_embeddings, output_attentions);
  const auto attended = attention->output(context, hidden);  // [B, T, H]
  return {output(intermediate(attended), attended), probs};
}

DebertaV2ConvLayerImpl::DebertaV2ConvLayerImpl(const HFConfig& config)
    : dropout(config.hidden_dropout_prob),
      act(checked_activation(raw_field<std::string>(config, "conv_act", "tanh"), "conv_act")) {
  const auto kernel = raw_field<int64_t>(config, "conv_kernel_size", 3);
  const auto groups = raw_field<int64_t>(config, "conv_groups", 1);
  if (groups < 1 || config.hidden_size % groups != 0)
    throw InputError("config.json: conv_groups (" + std::to_string(groups) + ") must divide hidden_size");
  conv = register_module(
      "conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(config.hidden_size, config.hidden_size, kernel)
                                    .padding((kernel - 1) / 2)
                                    .groups(groups)));
  LayerNorm = register_module("LayerNorm", layer_norm(config.hidden_size, config.layer_norm_eps));
}

torch::Tensor DebertaV2ConvLayerImpl::forward(const torch::Tensor& embeddings, const torch::Tensor& layer0,
                                              const torch::Tensor& mask) {
  auto out = conv(embeddings.permute({0, 2, 1}).contiguous()).permute({0, 2, 1});  // [B, T, H]
  const auto keep = mask.unsqueeze(2) != 0;                                        // [B, T, 1]
  out = out.masked_fill(keep.logical_not(), 0);
  out = activation(act, fast_dropout(out, dropout, is_training()));
  const auto normed = LayerNorm(layer0 + out);
  return normed * keep.to(normed.dtype());
}

DebertaV2EncoderImpl::DebertaV2EncoderImpl(const HFConfig& config) : settings(relative_settings(config)) {
  if (config.num_hidden_layers < 1) throw InputError("config.json: num_hidden_layers: expected >= 1");
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layer->push_back(DebertaV2Layer(config));
  if (settings.relative_attention) {
    if (settings.att_span < 1)
      throw InputError(
          "config.json: position_buckets / max_relative_positions / max_position_embeddings: "
          "the relative attention span must be positive");
    rel_embeddings =
        register_module("rel_embeddings", torch::nn::Embedding(2 * settings.att_span, config.hidden_size));
  }
  std::stringstream kinds(config.norm_rel_ebd);
  for (std::string kind; std::getline(kinds, kind, '|');) {
    kind.erase(std::remove_if(kind.begin(), kind.end(), [](unsigned char c) { return std::isspace(c); }),
               kind.end());
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
    if (kind == "layer_norm") norm_rel_ebd = true;
  }
  if (norm_rel_ebd)
    LayerNorm = register_module("LayerNorm", layer_norm(config.hidden_size, config.layer_norm_eps));
  if (raw_field<int64_t>(config, "conv_kernel_size", 0) > 0)
    conv = register_module("conv", DebertaV2ConvLayer(config));
}

void DebertaV2EncoderImpl::forward(const torch::Tensor& hidden, const torch::Tensor& mask,
                                   const ForwardOptions& options, EncoderOutput& out) {
  const int64_t T = hidden.size(1);
  const auto real = mask != 0;                                                             // [B, T]
  const auto pair_mask = real.unsqueeze(1).unsqueeze(2) & real.unsqueeze(1).unsqueeze(3);  // [B, 1, T, T]

  RelativePositions rel;
  torch::Tensor rows;  // [rel.num_rows, H]
  if (settings.relative_attention) {
    rel = build_relative_positions(T, settings);
    rows = rel_embeddings->weight.narrow(0, rel.first_row, rel.num_rows);
    if (norm_rel_ebd) rows = LayerNorm(rows);
  }

  if (options.output_hidden_states) out.hidden_states.push_back(hidden);
  auto h = hidden;
  for (size_t i = 0; i < layer->size(); ++i) {
    auto [next, probs] =
        layer[i]->as<DebertaV2LayerImpl>()->forward(h, pair_mask, rel, rows, options.output_attentions);
    if (i == 0 && conv) next = conv(hidden, next, mask);
    if (options.output_attentions) out.attentions.push_back(probs);
    if (options.output_hidden_states) out.hidden_states.push_back(next);
    h = next;
  }
  out.last_hidden_state = h;
}

DebertaV2ModelImpl::DebertaV2ModelImpl(const HFConfig& config) {
  embeddings = register_module("embeddings", DebertaV2Embeddings(config));
  encoder = register_module("encoder", DebertaV2Encoder(config));
}

ContextPoolerImpl::ContextPoolerImpl(const HFConfig& config)
    : dropout(config.pooler_dropout), act(checked_activation(config.pooler_hidden_act, "pooler_hidden_act")) {
  const int64_t size = config.pooler_hidden_size > 0 ? config.pooler_hidden_size : config.hidden_size;
  dense = register_module("dense", Linear(size, size));
}

torch::Tensor ContextPoolerImpl::forward(const torch::Tensor& hidden) {
  const auto first = hidden.select(/*dim=*/1, /*index=*/0);  // [B, H]
  return activation(act, dense(fast_dropout(first, dropout, is_training())));
}

DebertaV2ForSequenceClassification::DebertaV2ForSequenceClassification(const HFConfig& cfg)
    : SequenceClassifier(cfg),
      classifier_dropout(cfg.classifier_dropout >= 0
                             ? cfg.classifier_dropout
                             : raw_field<double>(cfg, "cls_dropout", cfg.hidden_dropout_prob)) {
  if (config.pooler_hidden_size > 0 && config.pooler_hidden_size != config.hidden_size)
    throw InputError("config.json: pooler_hidden_size (" + std::to_string(config.pooler_hidden_size) +
                     ") must equal hidden_size (" + std::to_string(config.hidden_size) +
                     ") for DebertaV2ForSequenceClassification");
  deberta = register_module("deberta", DebertaV2Model(config));
  pooler = register_module("pooler", ContextPooler(config));
  classifier = register_module("classifier", Linear(config.hidden_size, config.num_labels()));
}

EncoderOutput DebertaV2ForSequenceClassification::forward(const torch::Tensor& input_ids,
                                                          const torch::Tensor& attention_mask,
                                                          const torch::Tensor& token_type_ids,
                                                          const ForwardOptions& options) {
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.scalar_type() != torch::kLong ||
      input_ids.size(0) < 1 || input_ids.size(1) < 1)
    throw InputError(
        "DebertaV2ForSequenceClassification: input_ids must be a non-empty [B, T] int64 tensor, got " +
        (input_ids.defined() ? shape_of(input_ids) : std::string("undefined")));
  const auto check_like = [&](const torch::Tensor& t, const char* name) {
    if (t.defined() && t.sizes() != input_ids.sizes())
      throw InputError(std::string("DebertaV2ForSequenceClassification: ") + name +
                       " must have input_ids' shape " + shape_of(input_ids) + ", got " + shape_of(t));
  };
  check_like(attention_mask, "attention_mask");
  check_like(token_type_ids, "token_type_ids");
  const int64_t T = input_ids.size(1);
  if (config.position_biased_input && T > config.max_position_embeddings)
    throw InputError("DebertaV2ForSequenceClassification: sequence length " + std::to_string(T) +
                     " exceeds max_position_embeddings " + std::to_string(config.max_position_embeddings));
  if (input_ids.min().item<int64_t>() < 0 || input_ids.max().item<int64_t>() >= config.vocab_size)
    throw InputError("DebertaV2ForSequenceClassification: token ids must be in [0, " +
                     std::to_string(config.vocab_size) + ") (tokenizer / model vocabulary mismatch?)");

  const auto mask = attention_mask.defined() ? attention_mask.to(torch::kLong) : torch::ones_like(input_ids);
  if (attention_mask.defined() && ((mask != 0) & (mask != 1)).any().item<bool>())
    throw InputError("DebertaV2ForSequenceClassification: attention_mask must hold only 0 and 1");
  const auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);

  EncoderOutput out;
  const auto embedded = deberta->embeddings(input_ids, types, mask);  // [B, T, H]
  deberta->encoder(embedded, mask, options, out);
  out.pooled_output = pooler(out.last_hidden_state);                                            // [B, H]
  out.logits = classifier(fast_dropout(out.pooled_output, classifier_dropout, is_training()));  // [B, labels]
  return out;
}

std::shared_ptr<SequenceClassifier> make_deberta_v2(const HFConfig& config) {
  auto model = std::make_shared<DebertaV2ForSequenceClassification>(config);
  // DebertaV2PreTrainedModel._init_weights: Linear/Embedding ~ N(0, initializer_range), zero biases and
  // padding row, LayerNorm = (1, 0). Conv1d keeps torch's default init, as in HF.
  torch::NoGradGuard no_grad;
  const double std_dev = config.initializer_range;
  for (const auto& module : model->modules(/*include_self=*/false)) {
    if (auto* linear = module->as<LinearImpl>()) {
      linear->weight.normal_(0, std_dev);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* embedding = module->as<torch::nn::EmbeddingImpl>()) {
      embedding->weight.normal_(0, std_dev);
      if (embedding->options.padding_idx()) embedding->weight[*embedding->options.padding_idx()].zero_();
    } else if (auto* norm = module->as<torch::nn::LayerNormImpl>()) {
      norm->weight.fill_(1);
      norm->bias.zero_();
    }
  }
  return model;
}

}  // namespace attune::models
