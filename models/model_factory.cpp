#include "models/model_factory.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "base/errors.h"
#include "base/strings.h"
#include "models/bert.h"
#include "models/deberta_v2.h"
#include "models/lstm_classifier.h"
#include "models/roberta.h"
#include "models/safetensors.h"
#include "models/tfidf_logreg.h"

namespace attune::models {

namespace {

// transformers' rename of legacy TF-era LayerNorm parameter names.
std::string fix_legacy_key(const std::string& key) {
  if (ends_with(key, "LayerNorm.gamma")) return key.substr(0, key.size() - 5) + "weight";
  if (ends_with(key, "LayerNorm.beta")) return key.substr(0, key.size() - 4) + "bias";
  return key;
}

// The weights file of a HF dir: model.safetensors, else the sharded index; pickles are refused.
std::filesystem::path weights_file(const std::filesystem::path& dir) {
  for (const char* name : {"model.safetensors", "model.safetensors.index.json"})
    if (std::filesystem::is_regular_file(dir / name)) return dir / name;
  for (const char* name : {"pytorch_model.bin", "pytorch_model.bin.index.json"})
    if (std::filesystem::exists(dir / name))
      throw InputError(
          (dir / name).string() +
          ": pickled PyTorch checkpoints are not loaded (unpickling can run code); convert the dir to "
          "safetensors once, e.g. in Python with transformers: "
          "AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)");
  throw InputError(dir.string() + ": no model.safetensors or model.safetensors.index.json in this model dir");
}

std::string shape_str(const torch::Tensor& t) {
  return c10::str(t.sizes());
}

bool under_any(const std::string& key, const std::vector<std::string>& modules) {
  for (const auto& m : modules)
    if (key == m || starts_with(key, m + ".")) return true;
  return false;
}

}  // namespace

std::string base_model_prefix(const std::string& model_type) {
  if (is_classic_model_type(model_type)) return model_type;  // no base model inside: keys are top-level
  if (model_type == "roberta") return "roberta";
  if (model_type == "bert") return "bert";
  if (model_type == "deberta-v2") return "deberta";
  throw InputError("model_type \"" + model_type + "\" is not supported (expected one of " +
                   kSupportedModelTypes + ")");
}

bool is_known_unused_key(const std::string& model_type, const std::string& key) {
  if (ends_with(key, "embeddings.position_ids") || ends_with(key, "embeddings.token_type_ids")) return true;
  if (model_type == "roberta")
    return starts_with(key, "lm_head.") || starts_with(key, "roberta.pooler.") || starts_with(key, "pooler.");
  if (model_type == "bert") return starts_with(key, "cls.");
  if (model_type == "deberta-v2")
    // HF's _keys_to_ignore_on_load_unexpected: v3 checkpoints carry absolute position embeddings that a
    // model with position_biased_input=false never uses.
    return starts_with(key, "lm_predictions.") || starts_with(key, "mask_predictions.") ||
           starts_with(key, "cls.") || ends_with(key, "embeddings.position_embeddings.weight");
  return false;
}

std::shared_ptr<SequenceClassifier> create_model(const HFConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  if (config.num_labels() < 1) throw InputError("create_model: a classifier needs at least one label");
  if (config.model_type == "roberta") return make_roberta(config);
  if (config.model_type == "bert") return make_bert(config);
  if (config.model_type == "deberta-v2") return make_deberta_v2(config);
  if (config.model_type == kLstmModelType) return std::make_shared<LstmClassifier>(config);
  if (config.model_type == kTfidfLogregModelType) return std::make_shared<TfidfLogreg>(config);
  throw InputError("model_type \"" + config.model_type + "\" is not supported (expected one of " +
                   kSupportedModelTypes + ")");
}

namespace {

// config.json is checked against the weights before the model is built, so that a config whose sizes the
// weights do not have (num_hidden_layers: 100000, hidden_size: 1e9) fails at once instead of allocating
// gigabytes first: the word embeddings' width and the number of encoder layers (the encoder families' key
// names), where the weights have them.
void check_config_against_weights(const HFConfig& config, const std::filesystem::path& config_file,
                                  const std::filesystem::path& weights,
                                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  int64_t layers = 0;
  const std::string layer_key = "encoder.layer.";
  for (const auto& [name, tensor] : tensors) {
    if (ends_with(name, "embeddings.word_embeddings.weight") && tensor.dim() == 2 &&
        tensor.size(1) != config.hidden_size)
      throw InputError(config_file.string() + ": hidden_size " + std::to_string(config.hidden_size) +
                       " but the weights' " + name + " has width " + std::to_string(tensor.size(1)) + " (" +
                       weights.string() + ")");
    const auto at = name.find(layer_key);
    if (at != std::string::npos) {
      const auto number = name.substr(at + layer_key.size());
      char* end = nullptr;
      const long n = std::strtol(number.c_str(), &end, 10);
      if (end != number.c_str() && *end == '.') layers = std::max<int64_t>(layers, n + 1);
    }
  }
  if (layers > 0 && layers != config.num_hidden_layers)
    throw InputError(config_file.string() + ": num_hidden_layers " +
                     std::to_string(config.num_hidden_layers) + " but the weights hold " +
                     std::to_string(layers) + " encoder layers (" + weights.string() + ")");
}

}  // namespace

std::shared_ptr<SequenceClassifier> load_model(const std::filesystem::path& dir, LoadReport* report,
                                               int64_t num_labels, uint64_t seed) {
  if (!std::filesystem::is_directory(dir))
    throw InputError(dir.string() + ": not a directory (expected a Hugging Face model dir with config.json)");
  HFConfig config = load_hf_config(dir / "config.json");
  const bool relabel = num_labels > 0 && num_labels != config.num_labels();
  if (relabel) set_num_labels(config, num_labels);
  const auto file = weights_file(dir);
  auto tensors = load_safetensors(file);
  check_config_against_weights(config, dir / "config.json", file, tensors);
  auto model = create_model(config, seed);
  const auto heads = model->head_module_names();
  const std::string prefix = base_model_prefix(config.model_type) + ".";

  auto params = model->named_parameters(/*recurse=*/true);
  // Parameters and buffers are filled name for name; only parameters count as newly initialized.
  auto targets = params;
  for (const auto& item : model->named_buffers(/*recurse=*/true))
    if (!targets.contains(item.key())) targets.insert(item.key(), item.value());
  LoadReport local;
  LoadReport& rep = report ? *report : local;
  std::set<std::string> filled;
  torch::NoGradGuard no_grad;
  for (auto& [stored_key, tensor] : tensors) {
    std::string key = fix_legacy_key(stored_key);
    if (!targets.contains(key) && targets.contains(prefix + key)) key = prefix + key;
    if (!targets.contains(key)) {
      (is_known_unused_key(config.model_type, key) ? rep.ignored_keys : rep.unused_keys)
          .push_back(stored_key);
      continue;
    }
    torch::Tensor& param = targets[key];
    if (param.sizes() != tensor.sizes()) {
      if (relabel && under_any(key, heads)) continue;  // the new head keeps its fresh init
      throw InputError(file.string() + ": tensor '" + stored_key + "' has shape " + shape_str(tensor) +
                       " but the model's '" + key + "' is " + shape_str(param) + " (config.json " +
                       (dir / "config.json").string() + " does not match the weights)");
    }
    if (tensor.is_floating_point() != param.is_floating_point())
      throw InputError(file.string() + ": tensor '" + stored_key + "' has dtype " +
                       std::string(c10::toString(tensor.scalar_type())) + " but the model's '" + key +
                       "' is " + std::string(c10::toString(param.scalar_type())));
    param.copy_(tensor);
    filled.insert(key);
  }
  tensors = {};  // the model holds its copies now
  std::vector<std::string> missing_body;
  for (const auto& item : params) {
    if (filled.count(item.key())) continue;
    rep.newly_initialized.push_back(item.key());
    if (!under_any(item.key(), heads)) missing_body.push_back(item.key());
  }
  if (!report && !missing_body.empty())
    throw InputError(file.string() + ": " + std::to_string(missing_body.size()) +
                     " encoder weights are missing, first '" + missing_body.front() + "'");
  return model;
}

void save_model(SequenceClassifier& model, const std::filesystem::path& dir, torch::ScalarType dtype) {
  if (dtype != torch::kFloat && dtype != torch::kBFloat16)
    throw InputError("save_model: dtype must be fp32 or bf16, got " + std::string(c10::toString(dtype)));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create the output dir: " + ec.message());
  HFConfig config = model.config;
  config.architectures = {sequence_classification_architecture(config.model_type)};
  config.torch_dtype = dtype == torch::kFloat ? "float32" : "bfloat16";
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    auto t = item.value().detach();
    tensors.emplace_back(item.key(), t.is_floating_point() ? t.to(dtype) : t);
  }
  for (const auto& item : model.named_buffers(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value());
  save_safetensors(dir / "model.safetensors", tensors);
  save_hf_config(config, dir / "config.json");
}

}  // namespace attune::models
