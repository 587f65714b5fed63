#include "trainer/export.h"

#include <fstream>

#include "data/csv.h"
#include "data/errors.h"
#include "models/model_factory.h"
#include "peft/adapter_io.h"
#include "peft/merge.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {
// Tokenizer files of a Hugging Face dir, whichever exist.
constexpr const char* kTokenizerFiles[] = {"vocab.json",
                                           "merges.txt",
                                           "tokenizer.json",
                                           "spm.model",
                                           "vocab.txt",
                                           "tokenizer_config.json",
                                           "special_tokens_map.json",
                                           "added_tokens.json"};
}  // namespace

nlohmann::json Preprocessing::to_json() const {
  nlohmann::json j = {
      {"lowercase", lowercase}, {"max_length", max_length}, {"labels", labels}, {"backbone", backbone}};
  if (bf16) j["bf16"] = *bf16;
  return j;
}

Preprocessing Preprocessing::from_json(const nlohmann::json& j, const std::string& origin) {
  try {
    Preprocessing p;
    p.lowercase = j.at("lowercase").get<bool>();
    p.max_length = j.at("max_length").get<int64_t>();
    p.labels = j.at("labels").get<std::vector<std::string>>();
    if (j.contains("backbone")) p.backbone = j.at("backbone");
    if (j.contains("bf16")) p.bf16 = j.at("bf16").get<bool>();
    if (p.max_length < 3) throw InputError(origin + ": max_length: expected an integer >= 3");
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin + ": expected {lowercase: bool, max_length: int, labels: [str]} (" + e.what() +
                     ")");
  }
}

void copy_tokenizer_files(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  bool any = false;
  for (const char* name : kTokenizerFiles) {
    if (!fs::exists(from / name)) continue;
    fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing);
    any = true;
  }
  if (!any)
    throw InputError(from.string() +
                     ": no tokenizer files to export (expected vocab.json + merges.txt, "
                     "tokenizer.json, spm.model or vocab.txt)");
}

void write_preprocessing(const fs::path& dir, const Preprocessing& pre) {
  data::write_file_atomic(dir / kAttuneFile, pre.to_json().dump(2) + "\n");
}

Preprocessing read_preprocessing(const fs::path& dir) {
  const fs::path file = dir / kAttuneFile;
  std::ifstream in(file);
  if (!in) {
    Preprocessing p;
    p.max_length = 512;
    return p;
  }
  try {
    return Preprocessing::from_json(nlohmann::json::parse(in), file.string());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

void export_adapter(const fs::path& dir, models::SequenceClassifier& model, const peft::LoraInfo& info,
                    const fs::path& tokenizer_dir, const Preprocessing& pre, torch::ScalarType dtype) {
  fs::create_directories(dir);
  peft::save_adapter(dir, model, info,
                     dtype == torch::kFloat ? std::nullopt : std::optional<torch::Dtype>(dtype));
  copy_tokenizer_files(tokenizer_dir, dir);
  write_preprocessing(dir, pre);
}

void export_merged(const fs::path& dir, models::SequenceClassifier& model, const fs::path& tokenizer_dir,
                   const Preprocessing& pre, torch::ScalarType dtype) {
  peft::merge_and_unload(model);
  fs::create_directories(dir);
  models::save_model(model, dir, dtype);
  copy_tokenizer_files(tokenizer_dir, dir);
  write_preprocessing(dir, pre);
}

}  // namespace attune::trainer
