#include "models/lstm_classifier.h"

#include <cmath>

#include "base/errors.h"

namespace attune::models {

namespace {

void glorot_uniform(torch::Tensor& w) {
  // w is [out, in]; Keras's limit sqrt(6 / (fan_in + fan_out)).
  const double limit = std::sqrt(6.0 / static_cast<double>(w.size(0) + w.size(1)));
  torch::nn::init::uniform_(w, -limit, limit);
}

}  // namespace

LstmClassifier::LstmClassifier(HFConfig c) : SequenceClassifier(std::move(c)) {
  const auto& cfg = config;
  if (cfg.embedding_size < 1 || cfg.hidden_size < 1 || cfg.vocab_size < 1)
    throw InputError("attune-lstm: embedding_size, hidden_size and vocab_size must be at least 1");
  embedding = register_module("embedding", torch::nn::Embedding(cfg.vocab_size, cfg.embedding_size));
  lstm = register_module(
      "lstm",
      torch::nn::LSTM(
          torch::nn::LSTMOptions(cfg.embedding_size, cfg.hidden_size).num_layers(1).batch_first(true)));
  dropout = register_module("dropout", torch::nn::Dropout(cfg.hidden_dropout_prob));
  classifier = register_module("classifier", torch::nn::Linear(cfg.hidden_size, cfg.num_labels()));

  torch::NoGradGuard no_grad;
  torch::nn::init::uniform_(embedding->weight, -0.05, 0.05);
  for (auto& p : lstm->named_parameters()) {
    auto& t = p.value();
    if (p.key().rfind("weight_ih", 0) == 0) {
      // Keras's kernel is [in, 4H] with one Glorot limit over the whole matrix.
      const double limit = std::sqrt(6.0 / static_cast<double>(t.size(0) + t.size(1)));
      torch::nn::init::uniform_(t, -limit, limit);
    } else if (p.key().rfind("weight_hh", 0) == 0) {
      torch::nn::init::orthogonal_(t);
    } else {
      t.zero_();
    }
  }
  // unit_forget_bias: the forget gate (torch's gate order i, f, g, o) starts at 1; bias_hh stays 0 so the
  // sum is Keras's single bias.
  const int64_t h = cfg.hidden_size;
  lstm->named_parameters()["bias_ih_l0"].narrow(0, h, h).fill_(1.0);
  glorot_uniform(classifier->weight);
  classifier->bias.zero_();
}

torch::Tensor LstmClassifier::front_padded(const torch::Tensor& input_ids,
                                           const torch::Tensor& attention_mask) const {
  const int64_t window = config.max_position_embeddings;
  const int64_t t = input_ids.size(1);
  const auto mask = attention_mask.defined() ? attention_mask.to(torch::kLong)
                                             : (input_ids != config.pad_token_id).to(torch::kLong);
  const auto lengths = mask.sum(1, /*keepdim=*/true);                             // [B, 1]
  const auto position = torch::arange(window, input_ids.options()).unsqueeze(0);  // [1, W]
  // Output position j takes input position j - (W - length): the row ends at the window's end.
  const auto source = position - (window - lengths);
  const auto valid = source >= 0;
  const auto gathered = input_ids.gather(1, source.clamp(0, std::max<int64_t>(t - 1, 0)));
  return gathered.masked_fill(valid.logical_not(), config.pad_token_id);
}

EncoderOutput LstmClassifier::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      const torch::Tensor& /*token_type_ids*/,
                                      const ForwardOptions& /*options*/) {
  const auto ids = front_padded(input_ids, attention_mask);
  auto x = embedding->forward(ids);
  if (x.scalar_type() != torch::kFloat) x = x.to(torch::kFloat);
  auto [output, state] = lstm->forward(x);
  auto last = std::get<0>(state).select(0, -1);  // [B, H]: the last layer's final hidden state
  EncoderOutput out;
  out.last_hidden_state = output;
  out.pooled_output = last;
  out.logits = classifier->forward(dropout->forward(last));
  return out;
}

}  // namespace attune::models
