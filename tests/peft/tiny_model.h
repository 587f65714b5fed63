// A tiny hand-made SequenceClassifier whose modules are named like RoBERTa's (roberta.encoder.layer.N...,
// classifier.dense / classifier.out_proj), for testing peft/ without the real encoders.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "models/encoder.h"
#include "models/linear.h"

namespace attune::peft::testing {

struct TinySelfImpl : torch::nn::Module {
  explicit TinySelfImpl(int64_t h)
      : query(register_module("query", models::Linear(h, h))),
        key(register_module("key", models::Linear(h, h))),
        value(register_module("value", models::Linear(h, h))) {}
  models::Linear query, key, value;
};
TORCH_MODULE(TinySelf);

struct TinyDenseImpl : torch::nn::Module {  // `.dense` (+ LayerNorm) like attention.output / output
  TinyDenseImpl(int64_t in, int64_t out)
      : dense(register_module("dense", models::Linear(in, out))),
        LayerNorm(register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})))) {}
  models::Linear dense;
  torch::nn::LayerNorm LayerNorm;
};
TORCH_MODULE(TinyDense);

struct TinyAttentionImpl : torch::nn::Module {
  explicit TinyAttentionImpl(int64_t h)
      : self(register_module("self", TinySelf(h))), output(register_module("output", TinyDense(h, h))) {}
  TinySelf self;
  TinyDense output;
};
TORCH_MODULE(TinyAttention);

struct TinyIntermediateImpl : torch::nn::Module {
  TinyIntermediateImpl(int64_t h, int64_t i) : dense(register_module("dense", models::Linear(h, i))) {}
  models::Linear dense;
};
TORCH_MODULE(TinyIntermediate);

struct TinyLayerImpl : torch::nn::Module {
  TinyLayerImpl(int64_t h, int64_t i)
      : attention(register_module("attention", TinyAttention(h))),
        intermediate(register_module("intermediate", TinyIntermediate(h, i))),
        output(register_module("output", TinyDense(i, h))) {}
  // h: [B, T, H] -> [B, T, H]; uses every Linear (not real attention).
  torch::Tensor forward(const torch::Tensor& x) {
    auto s = torch::tanh(attention->self->query(x)) * attention->self->key(x) + attention->self->value(x);
    auto a = attention->output->LayerNorm(attention->output->dense(s) + x);
    auto m = torch::gelu(intermediate->dense(a));
    return output->LayerNorm(output->dense(m) + a);
  }
  TinyAttention attention;
  TinyIntermediate intermediate;
  TinyDense output;
};
TORCH_MODULE(TinyLayer);

struct TinyEncoderImpl : torch::nn::Module {
  TinyEncoderImpl(int64_t layers, int64_t h, int64_t i)
      : layer(register_module("layer", torch::nn::ModuleList())) {
    for (int64_t l = 0; l < layers; ++l) layer->push_back(TinyLayer(h, i));
  }
  torch::nn::ModuleList layer;
};
TORCH_MODULE(TinyEncoder);

struct TinyBackboneImpl : torch::nn::Module {
  TinyBackboneImpl(int64_t vocab, int64_t layers, int64_t h, int64_t i)
      : word_embeddings(register_module("word_embeddings", torch::nn::Embedding(vocab, h))),
        encoder(register_module("encoder", TinyEncoder(layers, h, i))) {}
  torch::nn::Embedding word_embeddings;
  TinyEncoder encoder;
};
TORCH_MODULE(TinyBackbone);

struct TinyHeadImpl : torch::nn::Module {  // RobertaClassificationHead
  TinyHeadImpl(int64_t h, int64_t labels)
      : dense(register_module("dense", models::Linear(h, h))),
        out_proj(register_module("out_proj", models::Linear(h, labels))) {}
  models::Linear dense, out_proj;
};
TORCH_MODULE(TinyHead);

inline models::HFConfig tiny_config(int64_t hidden, int64_t intermediate, int64_t layers, int64_t labels) {
  models::HFConfig c;
  c.model_type = "roberta";
  c.vocab_size = 20;
  c.hidden_size = hidden;
  c.intermediate_size = intermediate;
  c.num_hidden_layers = layers;
  for (int64_t l = 0; l < labels; ++l) c.id2label[l] = "L" + std::to_string(l);
  return c;
}

// roberta.{word_embeddings, encoder.layer.N.{attention.self.{query,key,value}, attention.output.{dense,
// LayerNorm}, intermediate.dense, output.{dense,LayerNorm}}}, classifier.{dense,out_proj}.
struct TinyClassifier : models::SequenceClassifier {
  explicit TinyClassifier(int64_t hidden = 8, int64_t intermediate = 12, int64_t layers = 2,
                          int64_t labels = 3)
      : SequenceClassifier(tiny_config(hidden, intermediate, layers, labels)),
        roberta(register_module("roberta", TinyBackbone(config.vocab_size, layers, hidden, intermediate))),
        classifier(register_module("classifier", TinyHead(hidden, labels))) {}

  models::EncoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& /*attention_mask*/,
                                const torch::Tensor& /*token_type_ids*/ = {},
                                const models::ForwardOptions& /*options*/ = {}) override {
    auto h = roberta->word_embeddings(input_ids);  // [B, T, H]
    for (const auto& layer : *roberta->encoder->layer) h = layer->as<TinyLayerImpl>()->forward(h);
    models::EncoderOutput out;
    out.last_hidden_state = h;
    auto cls = h.select(/*dim=*/1, /*index=*/0);                             // [B, H]
    out.logits = classifier->out_proj(torch::tanh(classifier->dense(cls)));  // [B, labels]
    return out;
  }
  std::vector<std::string> head_module_names() const override { return {"classifier"}; }

  TinyBackbone roberta;
  TinyHead classifier;
};

}  // namespace attune::peft::testing
