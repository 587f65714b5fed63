#include "models/tfidf_logreg.h"

#include <algorithm>
#include <cmath>

#include "base/errors.h"

namespace attune::models {

TfidfRows tfidf_rows(const std::vector<std::vector<int64_t>>& ids, const torch::Tensor& idf_tensor) {
  const auto idf = idf_tensor.to(torch::kDouble).contiguous();
  const double* w = idf.data_ptr<double>();
  const int64_t vocab = idf.size(0);
  std::vector<int64_t> rows, columns;
  std::vector<double> values;
  std::vector<int64_t> sorted;
  for (size_t r = 0; r < ids.size(); ++r) {
    sorted = ids[r];
    std::sort(sorted.begin(), sorted.end());
    const size_t start = values.size();
    double norm = 0;
    for (size_t i = 0; i < sorted.size();) {
      size_t j = i;
      while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
      const int64_t id = sorted[i];
      if (id < 0 || id >= vocab)
        throw InputError("tfidf: term id " + std::to_string(id) + " is outside the vocabulary of " +
                         std::to_string(vocab));
      const double v = static_cast<double>(j - i) * w[id];
      if (v != 0) {
        rows.push_back(static_cast<int64_t>(r));
        columns.push_back(id);
        values.push_back(v);
        norm += v * v;
      }
      i = j;
    }
    norm = std::sqrt(norm);
    if (norm > 0)
      for (size_t k = start; k < values.size(); ++k) values[k] /= norm;
  }
  TfidfRows out;
  out.rows = static_cast<int64_t>(ids.size());
  const auto n = static_cast<int64_t>(values.size());
  out.row = torch::from_blob(rows.data(), {n}, torch::kLong).clone();
  out.column = torch::from_blob(columns.data(), {n}, torch::kLong).clone();
  out.value = torch::from_blob(values.data(), {n}, torch::kDouble).clone().to(idf_tensor.scalar_type());
  return out;
}

torch::Tensor sparse_linear(const TfidfRows& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  // Each entry adds value * W[:, column] to its row's logits.
  const auto contributions = weight.index_select(1, x.column).t() * x.value.to(weight.dtype()).unsqueeze(1);
  auto logits = torch::zeros({x.rows, weight.size(0)}, weight.options());
  logits = logits.index_add(0, x.row, contributions);
  return logits + bias.unsqueeze(0);
}

TfidfLogreg::TfidfLogreg(HFConfig c) : SequenceClassifier(std::move(c)) {
  if (config.vocab_size < 1) throw InputError("attune-tfidf-logreg: vocab_size must be at least 1");
  auto holder = std::make_shared<torch::nn::Module>();
  idf = holder->register_parameter("idf", torch::zeros({config.vocab_size}), /*requires_grad=*/false);
  register_module("tfidf", holder);
  classifier = register_module("classifier", torch::nn::Linear(config.vocab_size, config.num_labels()));
  torch::NoGradGuard no_grad;
  classifier->weight.zero_();
  classifier->bias.zero_();
}

EncoderOutput TfidfLogreg::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                   const torch::Tensor& /*token_type_ids*/,
                                   const ForwardOptions& /*options*/) {
  const auto ids = input_ids.to(torch::kLong).contiguous();
  const auto mask =
      attention_mask.defined() ? attention_mask.to(torch::kLong).contiguous() : torch::ones_like(ids);
  const int64_t b = ids.size(0), t = ids.size(1);
  const int64_t* id = ids.data_ptr<int64_t>();
  const int64_t* m = mask.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(b));
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < t; ++j)
      if (m[i * t + j]) rows[static_cast<size_t>(i)].push_back(id[i * t + j]);
  const auto x = tfidf_rows(rows, idf);
  EncoderOutput out;
  out.logits = sparse_linear(x, classifier->weight, classifier->bias).to(torch::kFloat);
  return out;
}

}  // namespace attune::models
