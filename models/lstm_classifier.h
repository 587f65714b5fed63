// The LSTM baseline of the CTF-telemetry study, as its Keras model reads: Embedding(vocab, embedding_size)
// -> LSTM(hidden_size), its last hidden state -> Dropout(hidden_dropout_prob) -> Dense(num_labels), over
// word ids (data/tokenizers/word_tokenizer.h) padded at the front to max_position_embeddings ids, as
// Keras's pad_sequences(padding="pre") does (id 0 is the padding row of the embedding, trained like the
// others since the Keras model does not mask). Initialised as Keras does: embeddings U(-0.05, 0.05),
// Glorot-uniform input and output kernels, an orthogonal recurrent kernel, zero biases but 1 on the forget
// gate. State-dict names: embedding.weight, lstm.{weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0},
// classifier.{weight, bias}.
#pragma once

#include <torch/torch.h>

#include "models/encoder.h"

namespace attune::models {

struct LstmClassifier : SequenceClassifier {
  explicit LstmClassifier(HFConfig config);

  // input_ids [B, T] padded after each row (batching's form) with attention_mask [B, T]; each row is
  // moved to the end of a [B, max_position_embeddings] window (longer rows keep their last ids).
  // token_type_ids and options are ignored. last_hidden_state is the LSTM's output sequence, pooled_output
  // its last hidden state.
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids = {},
                        const ForwardOptions& options = {}) override;
  std::vector<std::string> head_module_names() const override { return {"classifier"}; }

  // The rows as the LSTM reads them: [B, max_position_embeddings], padding (pad_token_id) in front.
  torch::Tensor front_padded(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) const;

  torch::nn::Embedding embedding{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear classifier{nullptr};
};

}  // namespace attune::models
