#include "inference/export_dir.h"

#include <cmath>
#include <fstream>
#include <iterator>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"
#include "base/version.h"
#include "data/csv.h"
#include "data/tokenizers/tokenizer_config.h"
#include "models/model_factory.h"
#include "models/resolve.h"
#include "peft/adapter_io.h"
#include "peft/merge.h"

namespace attune::inference {

namespace fs = std::filesystem;

namespace {
// Tokenizer files of a Hugging Face dir, whichever exist, and those of the classic kinds' fitted tokenizers
// (word_index.json: lstm; tfidf_vectorizer.json: tfidf_logreg).
constexpr const char* kTokenizerFiles[] = {
    "word_index.json",  "tfidf_vectorizer.json", "vocab.json",
    "merges.txt",       "tokenizer.json",        "spm.model",
    "vocab.txt",        "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json"};
}  // namespace

nlohmann::json Preprocessing::to_json() const {
  nlohmann::json j = {{"lowercase", lowercase},
                      {"max_length", max_length},
                      {"labels", labels},
                      {"backbone", backbone},
                      {"attune_version", version()}};
  if (bf16) j["bf16"] = *bf16;
  j["temperature"] = temperature;
  if (operating_point) j["operating_point"] = operating_point->to_json();
  return j;
}

Preprocessing Preprocessing::from_json(const nlohmann::json& j, const std::string& origin) {
  try {
    Preprocessing p;
    p.lowercase = j.at("lowercase").get<bool>();
    // get<int64_t> of a float converts it unchecked: 128.5 read as 128, 3e21 undefined (fuzz_export_files).
    if (!j.at("max_length").is_number_integer())
      throw InputError(origin + ": max_length: expected an integer >= 3, got " + j.at("max_length").dump());
    p.max_length = j.at("max_length").get<int64_t>();
    p.labels = j.at("labels").get<std::vector<std::string>>();
    if (j.contains("backbone")) p.backbone = j.at("backbone");
    if (j.contains("bf16")) p.bf16 = j.at("bf16").get<bool>();
    if (p.max_length < 3) throw InputError(origin + ": max_length: expected an integer >= 3");
    if (j.contains("temperature")) p.temperature = j.at("temperature").get<double>();
    if (!std::isfinite(p.temperature) || p.temperature <= 0)
      throw InputError(origin + ": temperature: expected a number > 0");
    if (j.contains("operating_point") && !j.at("operating_point").is_null())
      p.operating_point = OperatingPoint::from_json(j.at("operating_point"), p.labels, origin);
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

void write_tokenizer_config(const fs::path& dir, const Preprocessing& pre) {
  const fs::path file = dir / "tokenizer_config.json";
  nlohmann::json j = nlohmann::json::object();
  if (fs::exists(file)) {
    std::ifstream in(file);
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
      throw InputError(file.string() + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw InputError(file.string() + ": expected a JSON object");
  }
  j["model_max_length"] = pre.max_length;
  if (pre.lowercase) j["do_lower_case"] = true;
  write_file_atomic(file, j.dump(2) + "\n");
}

namespace {

nlohmann::json read_json_object(const fs::path& file) {
  std::ifstream in(file);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw InputError(file.string() + ": not a JSON object");
  return j;
}

// A byte-level BPE tokenizer.json (RoBERTa's layout) from vocab.json + merges.txt and the added tokens of
// tokenizer_config.json, with `normalizer`.
nlohmann::json byte_level_bpe_tokenizer_json(const fs::path& dir, const nlohmann::json& normalizer) {
  nlohmann::json merges = nlohmann::json::array();
  std::ifstream in(dir / "merges.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    merges.push_back(line);
  }
  const auto vocab = read_json_object(dir / "vocab.json");
  nlohmann::json added = nlohmann::json::array();
  if (fs::exists(dir / "tokenizer_config.json")) {
    const auto config = read_json_object(dir / "tokenizer_config.json");
    if (config.contains("added_tokens_decoder") && config["added_tokens_decoder"].is_object())
      for (const auto& [id, t] : config["added_tokens_decoder"].items())
        added.push_back({{"id", std::stoll(id)},
                         {"content", t.value("content", "")},
                         {"single_word", t.value("single_word", false)},
                         {"lstrip", t.value("lstrip", false)},
                         {"rstrip", t.value("rstrip", false)},
                         {"normalized", t.value("normalized", false)},
                         {"special", t.value("special", true)}});
  }
  auto id_of = [&](const char* token, int64_t fallback) {
    return vocab.contains(token) ? vocab[token].get<int64_t>() : fallback;
  };
  const nlohmann::json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", normalizer},
          {"pre_tokenizer", byte_level},
          {"post_processor",
           {{"type", "RobertaProcessing"},
            {"sep", {"</s>", id_of("</s>", 2)}},
            {"cls", {"<s>", id_of("<s>", 0)}},
            {"trim_offsets", true},
            {"add_prefix_space", false}}},
          {"decoder", byte_level},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", ""},
            {"end_of_word_suffix", ""},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", false},
            {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace

void write_tokenizer_json(const fs::path& dir, const Preprocessing& pre) {
  if (!pre.lowercase) return;
  const fs::path file = dir / "tokenizer.json";
  const nlohmann::json lowercase = {{"type", "Lowercase"}};
  nlohmann::json j;
  if (fs::exists(file)) {
    j = read_json_object(file);
    auto& n = j["normalizer"];
    if (n.is_null()) {
      n = lowercase;
    } else if (n.value("type", "") == "BertNormalizer") {
      n["lowercase"] = true;
    } else if (n.value("type", "") == "Sequence" && n.contains("normalizers")) {
      n["normalizers"].insert(n["normalizers"].begin(), lowercase);
    } else if (n.value("type", "") != "Lowercase") {
      n = {{"type", "Sequence"}, {"normalizers", {lowercase, n}}};
    }
  } else if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt")) {
    j = byte_level_bpe_tokenizer_json(dir, lowercase);
  } else {
    return;  // WordPiece / SentencePiece without tokenizer.json: their slow tokenizers honour do_lower_case
  }
  write_file_atomic(file, j.dump() + "\n");
}

void write_preprocessing(const fs::path& dir, const Preprocessing& pre) {
  write_file_atomic(dir / kAttuneFile, pre.to_json().dump(2) + "\n");
}

Preprocessing read_preprocessing(const fs::path& dir) {
  const fs::path file = dir / kAttuneFile;
  std::ifstream in(file);
  if (!in) {
    Preprocessing p;
    p.max_length = 512;
    return p;
  }
  // The backbone record is copied and written back recursively: the nesting is bounded before parsing.
  const nlohmann::json j = data::parse_json_text(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), file.string());
  try {
    return Preprocessing::from_json(j, file.string());
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    throw InputError(file.string() + ": " + e.what());
  }
}

namespace {

// Writes a whole dir beside its place (<dir>.partial) and renames it in, so that a kill at any moment
// leaves the previous dir, no dir, or the new one, never a half-written one that a loader would accept.
template <class Write>
void write_dir_atomically(const fs::path& dir, Write write) {
  const fs::path partial = dir.string() + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  write(partial);
  replace_dir(partial, dir);  // the previous dir or the new one at every moment
}

// Refuses what only looks like an exported dir: one still being written or replaced, or one with an empty
// file (a copy or download cut short; an empty merges.txt loads as a tokenizer that merges nothing).
void check_complete(const fs::path& dir) {
  const std::string name =
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  for (const char* suffix : {".partial", ".old"})
    if (name != suffix && ends_with(name, suffix))
      throw InputError(dir.string() + ": a dir being written or replaced by an export (" + suffix +
                       "); use the dir without the suffix once the export has finished");
  for (const char* file :
       {"config.json", "model.safetensors", "adapter_config.json", "adapter_model.safetensors", "attune.json",
        "vocab.json", "merges.txt", "vocab.txt", "spm.model", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json"}) {
    std::error_code ec;
    if (fs::is_regular_file(dir / file, ec) && fs::file_size(dir / file, ec) == 0 && !ec)
      throw InputError((dir / file).string() +
                       ": empty file: the dir is incomplete (a copy cut short?); export it again");
  }
}

}  // namespace

void export_adapter(const fs::path& dir, models::SequenceClassifier& model, const peft::LoraInfo& info,
                    const fs::path& tokenizer_dir, const Preprocessing& pre, torch::ScalarType dtype) {
  write_dir_atomically(dir, [&](const fs::path& to) {
    peft::save_adapter(to, model, info,
                       dtype == torch::kFloat ? std::nullopt : std::optional<torch::Dtype>(dtype));
    copy_tokenizer_files(tokenizer_dir, to);
    write_tokenizer_config(to, pre);
    write_tokenizer_json(to, pre);
    write_preprocessing(to, pre);
  });
}

void export_merged(const fs::path& dir, models::SequenceClassifier& model, const fs::path& tokenizer_dir,
                   const Preprocessing& pre, torch::ScalarType dtype) {
  peft::merge_and_unload(model);
  // One label per row, as attune trains: transformers then picks cross-entropy for a given `labels`.
  if (model.config.problem_type.empty()) model.config.problem_type = "single_label_classification";
  write_dir_atomically(dir, [&](const fs::path& to) {
    models::save_model(model, to, dtype);
    copy_tokenizer_files(tokenizer_dir, to);
    write_tokenizer_config(to, pre);
    write_tokenizer_json(to, pre);
    write_preprocessing(to, pre);
  });
}

LoadedModel load_model_dir(const fs::path& dir) {
  LoadedModel m;
  m.dir = dir;
  if (!fs::is_directory(dir))
    throw InputError(dir.string() + ": not a directory (expected an exported model dir)");
  check_complete(dir);
  if (!fs::exists(dir / kAttuneFile))
    m.notes.push_back(dir.string() + " has no " + kAttuneFile +
                      " (not exported by attune): labels from config.json, text as given (no lower-casing), "
                      "max_length from the tokenizer, no calibration or operating point");
  m.preprocessing = read_preprocessing(dir);
  m.is_adapter = peft::is_adapter_dir(dir);
  if (m.is_adapter) {
    const auto lora = peft::load_lora_config((dir / peft::kAdapterConfigFile).string());
    const auto base = lora.base_model_name_or_path;
    const auto where = models::resolve_model_dir(base);
    if (!where.dir)
      throw InputError((dir / peft::kAdapterConfigFile).string() +
                       ": base_model_name_or_path: " + models::not_found_message(base, where));
    m.base_dir = *where.dir;
    if (m.preprocessing.labels.empty())
      throw InputError((dir / kAttuneFile).string() + ": an adapter dir needs its labels (attune.json)");
    models::LoadReport report;
    m.model = models::load_model(m.base_dir, &report, static_cast<int64_t>(m.preprocessing.labels.size()));
    peft::load_adapter(dir, *m.model);
  } else {
    if (!fs::exists(dir / "config.json"))
      throw InputError(dir.string() +
                       ": expected config.json + model.safetensors (a merged model dir) or "
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

InferenceSettings inference_settings(const LoadedModel& model, int64_t batch_size, bool bf16) {
  return InferenceSettings{batch_size, model.tokenizer->pad_id(), bf16, model.preprocessing.temperature};
}

}  // namespace attune::inference
