#include "models/masked_lm.h"

#include <set>

#include "base/errors.h"
#include "models/activations.h"
#include "models/model_factory.h"
#include "models/safetensors.h"

namespace attune::models {

namespace {

namespace fs = std::filesystem;

// A module that only groups children under a name ("cls", "transform").
struct GroupImpl : torch::nn::Module {};
TORCH_MODULE(Group);

bool bert_layout(const std::string& model_type) {
  return model_type != "roberta";
}

// The word-embedding weight of the base model inside a sequence classifier.
torch::Tensor find_word_embeddings(SequenceClassifier& encoder) {
  const std::string key = base_model_prefix(encoder.config.model_type) + ".embeddings.word_embeddings.weight";
  auto params = encoder.named_parameters(/*recurse=*/true);
  if (!params.contains(key)) throw std::logic_error("masked LM: the encoder has no parameter " + key);
  return params[key];
}

// The original DeBERTa checkpoints' head names -> HF's legacy ones.
std::string canonical_head_key(const std::string& key) {
  const std::string old = "lm_predictions.lm_head.";
  if (key.rfind(old, 0) != 0) return key;
  const std::string rest = key.substr(old.size());
  if (rest == "bias") return "cls.predictions.bias";
  return "cls.predictions.transform." + rest;
}

}  // namespace

MlmHeadImpl::MlmHeadImpl(const HFConfig& c, bool bert)
    : activation_name(bert ? c.hidden_act : std::string("gelu")) {
  const auto ln = torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps);
  if (bert) {
    auto transform = register_module("transform", Group());
    dense = transform->register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
    layer_norm = transform->register_module("LayerNorm", torch::nn::LayerNorm(ln));
  } else {
    dense = register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
    layer_norm = register_module("layer_norm", torch::nn::LayerNorm(ln));
  }
  bias = register_parameter("bias", torch::zeros({c.vocab_size}));
  torch::NoGradGuard no_grad;
  dense->weight.normal_(/*mean=*/0.0, c.initializer_range);
  dense->bias.zero_();
}

torch::Tensor MlmHeadImpl::forward(const torch::Tensor& hidden, const torch::Tensor& word_embeddings) {
  // Under bf16 autocast the dense output is bf16; GELU and LayerNorm run in fp32, as the encoder's do.
  auto x = layer_norm(activation(activation_name, dense(hidden).to(torch::kFloat)));  // [N, H]
  return torch::matmul(x, word_embeddings.t()) + bias;                                // [N, V]
}

MaskedLMImpl::MaskedLMImpl(std::shared_ptr<SequenceClassifier> enc) : encoder(std::move(enc)) {
  const auto& c = encoder->config;
  const std::string prefix = base_model_prefix(c.model_type);
  std::shared_ptr<torch::nn::Module> base;
  for (const auto& child : encoder->named_children())
    if (child.key() == prefix) base = child.value();
  if (!base) throw std::logic_error("masked LM: the encoder has no base model '" + prefix + "'");
  register_module(prefix, base);
  word_embeddings = find_word_embeddings(*encoder);
  const bool bert = bert_layout(c.model_type);
  if (bert) {
    auto cls = register_module("cls", Group());
    head = cls->register_module("predictions", MlmHead(c, bert));
  } else {
    head = register_module("lm_head", MlmHead(c, bert));
  }
}

torch::Tensor MaskedLMImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    const torch::Tensor& positions) {
  const auto out = encoder->forward(input_ids, attention_mask);
  const auto hidden = out.last_hidden_state;                               // [B, T, H]
  const auto flat = hidden.reshape({-1, hidden.size(-1)});                 // [B*T, H]
  return head->forward(flat.index_select(0, positions), word_embeddings);  // [N, V]
}

std::string MaskedLMImpl::architecture() const {
  const auto& t = encoder->config.model_type;
  if (t == "roberta") return "RobertaForMaskedLM";
  if (t == "bert") return "BertForMaskedLM";
  return "DebertaV2ForMaskedLM";
}

std::string MaskedLMImpl::head_prefix() const {
  return bert_layout(encoder->config.model_type) ? "cls.predictions" : "lm_head";
}

MaskedLM create_masked_lm(const HFConfig& config, uint64_t seed) {
  auto encoder = create_model(config, seed);
  return MaskedLM(encoder);
}

MaskedLM load_masked_lm(const fs::path& dir, std::vector<std::string>* newly_initialized, uint64_t seed) {
  LoadReport report;
  auto encoder = load_model(dir, &report, /*num_labels=*/-1, seed);
  for (const auto& key : report.newly_initialized) {
    const bool head = key.rfind("classifier.", 0) == 0 || key.rfind("pooler.", 0) == 0;
    if (!head)
      throw InputError(dir.string() + ": the checkpoint lacks encoder weight '" + key +
                       "' (expected a complete " + encoder->config.model_type + " model)");
  }
  MaskedLM mlm(encoder);
  const std::string head = mlm->head_prefix() + ".";
  auto params = mlm->named_parameters(/*recurse=*/true);
  std::set<std::string> filled;
  torch::NoGradGuard no_grad;
  const fs::path file = fs::exists(dir / "model.safetensors") ? dir / "model.safetensors"
                                                              : dir / "model.safetensors.index.json";
  for (const auto& [stored, tensor] : load_safetensors(file)) {
    const std::string key = canonical_head_key(stored);
    if (key.rfind(head, 0) != 0 || !params.contains(key)) continue;  // the base is loaded; decoder is tied
    auto& p = params[key];
    if (p.sizes() != tensor.sizes())
      throw InputError(file.string() + ": tensor '" + stored + "' has shape " + c10::str(tensor.sizes()) +
                       " but the MLM head's '" + key + "' is " + c10::str(p.sizes()));
    p.copy_(tensor);
    filled.insert(key);
  }
  if (newly_initialized)
    for (const auto& item : params)
      if (item.key().rfind(head, 0) == 0 && !filled.count(item.key()))
        newly_initialized->push_back(item.key());
  return mlm;
}

void save_masked_lm(MaskedLMImpl& model, const fs::path& dir, torch::ScalarType dtype) {
  if (dtype != torch::kFloat && dtype != torch::kBFloat16)
    throw InputError("save_masked_lm: dtype must be fp32 or bf16");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output dir: " + ec.message());
  HFConfig config = model.encoder->config;
  config.architectures = {model.architecture()};
  config.id2label.clear();
  config.label2id.clear();
  config.problem_type.clear();
  config.torch_dtype = dtype == torch::kFloat ? "float32" : "bfloat16";
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value().detach().to(dtype));
  save_safetensors(dir / "model.safetensors", tensors);
  save_hf_config(config, dir / "config.json");
}

}  // namespace attune::models
