// TF-IDF + multinomial logistic regression, the CTF-telemetry study's best model, as a sequence
// classifier over term ids (data/tokenizers/term_tokenizer.h): each row's term counts times the idf,
// L2-normalised (scikit-learn's TfidfVectorizer with norm "l2", raw counts), then logits = W x + b.
// Id 0 is padding (and the id of a text with no known term); its idf is 0, so it never contributes.
// State-dict names: tfidf.idf [V] (a fixed parameter, never trained), classifier.weight [C, V],
// classifier.bias [C]. Fitted by trainer/logreg_fit.h (L-BFGS), not by gradient steps.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "models/encoder.h"

namespace attune::models {

// A batch of TF-IDF rows in coordinate form: entry k is value[k] at (row[k], column[k]).
struct TfidfRows {
  int64_t rows = 0;
  torch::Tensor row;     // [nnz] int64
  torch::Tensor column;  // [nnz] int64 term id
  torch::Tensor value;   // [nnz] (dtype of the idf given)
};

// The L2-normalised tf-idf of each row's ids (duplicates counted; ids whose idf is 0 dropped), in
// `idf`'s dtype. A row with no weighted id is all zeros.
TfidfRows tfidf_rows(const std::vector<std::vector<int64_t>>& ids, const torch::Tensor& idf);

// W x + b for every row: [rows, C]. Differentiable in weight [C, V] and bias [C].
torch::Tensor sparse_linear(const TfidfRows& x, const torch::Tensor& weight, const torch::Tensor& bias);

struct TfidfLogreg : SequenceClassifier {
  explicit TfidfLogreg(HFConfig config);  // vocab_size terms (id 0 included), zero weights, idf 0

  // input_ids [B, T] with attention_mask; token_type_ids and options are ignored. Only logits are set.
  EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& token_type_ids = {},
                        const ForwardOptions& options = {}) override;
  std::vector<std::string> head_module_names() const override { return {"classifier"}; }

  torch::Tensor idf;  // [V], registered as tfidf.idf
  torch::nn::Linear classifier{nullptr};
};

}  // namespace attune::models
