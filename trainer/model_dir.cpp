#include "trainer/model_dir.h"

#include "data/errors.h"
#include "models/model_factory.h"
#include "models/resolve.h"
#include "peft/adapter_io.h"

namespace attune::trainer {

namespace fs = std::filesystem;

LoadedModel load_model_dir(const fs::path& dir) {
  LoadedModel m;
  m.dir = dir;
  if (!fs::is_directory(dir)) throw InputError(dir.string() + ": not a directory (expected an exported model dir)");
  m.preprocessing = read_preprocessing(dir);
  m.is_adapter = peft::is_adapter_dir(dir);
  if (m.is_adapter) {
    const auto lora = peft::load_lora_config((dir / peft::kAdapterConfigFile).string());
    const auto base = lora.base_model_name_or_path;
    const auto where = models::resolve_model_dir(base);
    if (!where.dir) throw InputError((dir / peft::kAdapterConfigFile).string() + ": base_model_name_or_path: " +
                                     models::not_found_message(base, where));
    m.base_dir = *where.dir;
    if (m.preprocessing.labels.empty())
      throw InputError((dir / kAttuneFile).string() + ": an adapter dir needs its labels (attune.json)");
    models::LoadReport report;
    m.model = models::load_model(m.base_dir, &report, static_cast<int64_t>(m.preprocessing.labels.size()));
    peft::load_adapter(dir, *m.model);
  } else {
    if (!fs::exists(dir / "config.json"))
      throw InputError(dir.string() + ": expected config.json + model.safetensors (a merged model dir) or "
                       "adapter_config.json + adapter_model.safetensors (a PEFT adapter dir)");
    m.model = models::load_model(dir);
    if (m.preprocessing.labels.empty())
      for (const auto& [id, label] : m.model->config.id2label) m.preprocessing.labels.push_back(label);
  }
  m.labels = data::LabelMap(m.preprocessing.labels);
  if (static_cast<int64_t>(m.labels.size()) != m.model->config.num_labels())
    throw InputError(dir.string() + ": attune.json lists " + std::to_string(m.labels.size()) +
                     " labels but the model has " + std::to_string(m.model->config.num_labels()));
  {
    auto& c = m.model->config;
    c.id2label.clear();
    c.label2id.clear();
    for (size_t i = 0; i < m.labels.size(); ++i) {
      c.id2label[static_cast<int64_t>(i)] = m.labels.label(static_cast<int64_t>(i));
      c.label2id[m.labels.label(static_cast<int64_t>(i))] = static_cast<int64_t>(i);
    }
  }
  data::TokenizerOptions options;
  options.lowercase = m.preprocessing.lowercase;
  m.tokenizer = data::load_tokenizer(dir, options);
  m.model->eval();
  return m;
}

}  // namespace attune::trainer
