#include "trainer/checkpoint.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "base/errors.h"
#include "base/file_digest.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "models/safetensors.h"
#include "trainer/optimizer.h"

namespace attune::trainer {

namespace fs = std::filesystem;

namespace {
constexpr const char* kCheckpointDir = "checkpoint";      // the current whole checkpoint
constexpr const char* kCheckpointTmp = "checkpoint.tmp";  // being written
constexpr const char* kCheckpointOld = "checkpoint.old";  // the previous one, during the swap

torch::Tensor rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state().clone();
}

void set_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}
}  // namespace

nlohmann::json TrainerState::to_json() const {
  return {{"epochs_completed", epochs_completed},
          {"global_step", global_step},
          {"epoch_batches", epoch_batches},
          {"train_seconds", train_seconds},
          {"train_samples", train_samples},
          {"early_stopping", early_stopping.to_json()},
          {"labels", labels},
          {"window", window},
          {"fingerprint", fingerprint},
          {"files", files}};
}

TrainerState TrainerState::from_json(const nlohmann::json& j, const std::string& origin) {
  try {
    TrainerState s;
    s.epochs_completed = j.at("epochs_completed").get<int64_t>();
    s.global_step = j.at("global_step").get<int64_t>();
    s.train_seconds = j.at("train_seconds").get<double>();
    s.train_samples = j.at("train_samples").get<int64_t>();
    s.early_stopping = EarlyStopping::from_json(j.at("early_stopping"));
    if (j.contains("labels")) s.labels = j.at("labels").get<std::vector<std::string>>();
    if (j.contains("epoch_batches")) s.epoch_batches = j.at("epoch_batches").get<int64_t>();
    if (s.epochs_completed < 0 || s.global_step < 0 || s.epoch_batches < 0)
      throw InputError(origin + ": malformed trainer state (a negative epoch, step or batch count)");
    for (const char* key : {"window", "fingerprint", "files"})
      if (j.contains(key)) {
        if (!j.at(key).is_object())
          throw InputError(origin + ": malformed trainer state (" + key + ": expected an object)");
        (std::string(key) == "window"  ? s.window
         : std::string(key) == "files" ? s.files
                                       : s.fingerprint) = j.at(key);
      }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin + ": malformed trainer state (" + e.what() + ")");
  }
}

std::vector<std::pair<std::string, torch::Tensor>> trainable_snapshot(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  torch::NoGradGuard no_grad;
  for (const auto& p : model.named_parameters(/*recurse=*/true))
    if (p.value().requires_grad()) out.emplace_back(p.key(), p.value().detach().clone());
  return out;
}

void restore_snapshot(torch::nn::Module& model,
                      const std::vector<std::pair<std::string, torch::Tensor>>& snapshot,
                      const std::string& origin) {
  auto params = model.named_parameters(/*recurse=*/true);
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : snapshot) {
    auto* p = params.find(name);
    if (!p) throw InputError(origin + ": parameter '" + name + "' does not exist in this model");
    if (p->sizes() != value.sizes())
      throw InputError(origin + ": parameter '" + name + "' has shape " + c10::str(value.sizes()) +
                       ", the model expects " + c10::str(p->sizes()));
    p->copy_(value);
  }
}

void save_checkpoint(const fs::path& dir, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainerState& state,
                     const std::vector<std::pair<std::string, torch::Tensor>>& best) {
  const fs::path tmp = dir / kCheckpointTmp, cur = dir / kCheckpointDir;
  try {
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    models::save_safetensors(tmp / kTrainableWeightsFile, trainable_snapshot(model));
    if (!best.empty()) models::save_safetensors(tmp / kBestWeightsFile, best);
    save_optimizer(optimizer, tmp / kOptimizerFile);
    models::save_safetensors(tmp / kRngStateFile, {{"cpu", rng_state()}});
    TrainerState recorded = state;
    recorded.files = nlohmann::json::object();
    for (const auto& entry : fs::directory_iterator(tmp)) {
      sync_path(entry.path());  // on disk before the dir is swapped in
      recorded.files[entry.path().filename().string()] = {{"bytes", fs::file_size(entry.path())},
                                                          {"sha256", sha256_file(entry.path())}};
    }
    // Written last: a dir with trainer_state.json is whole.
    write_file_atomic(tmp / kTrainerStateFile, recorded.to_json().dump(2) + "\n");
    sync_path(tmp);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    const fs::path last = find_checkpoint(dir);
    throw std::runtime_error("cannot write the checkpoint into " + tmp.string() + " (" + e.what() + "); " +
                             (last.empty() ? std::string("no earlier checkpoint exists")
                                           : "the last good checkpoint, " + last.string() + ", is intact"));
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  // An interrupted swap left only checkpoint.old: it stays until the new one is in place.
  if (!fs::exists(cur)) {
    std::error_code ec;
    fs::rename(tmp, cur, ec);
    if (ec)
      throw std::runtime_error("cannot move " + tmp.string() + " to " + cur.string() + " (" + ec.message() +
                               ")");
    sync_path(dir);
    fs::remove_all(dir / kCheckpointOld);
    return;
  }
  replace_dir(tmp, cur);
}

fs::path find_checkpoint(const fs::path& output_dir) {
  for (const char* name : {kCheckpointDir, kCheckpointOld})
    if (fs::exists(output_dir / name / kTrainerStateFile)) return output_dir / name;
  return {};
}

std::vector<std::string> clean_after_kill(const fs::path& output_dir) {
  std::vector<std::string> done;
  if (!fs::is_directory(output_dir)) return done;
  const fs::path cur = output_dir / kCheckpointDir, old = output_dir / kCheckpointOld;
  if (fs::exists(old)) {
    if (!fs::exists(cur / kTrainerStateFile) && fs::exists(old / kTrainerStateFile)) {
      fs::remove_all(cur);
      fs::rename(old, cur);
      done.push_back("restored " + cur.string() + " from " + old.string() +
                     " (a checkpoint swap was interrupted)");
    } else {
      fs::remove_all(old);
    }
  }
  if (fs::exists(output_dir / kCheckpointTmp)) {
    fs::remove_all(output_dir / kCheckpointTmp);
    done.push_back("removed " + (output_dir / kCheckpointTmp).string() + " (a checkpoint cut short)");
  }
  for (const auto& name : remove_stale_temp_files(output_dir))
    done.push_back("removed " + (output_dir / name).string() + " (a file cut short)");
  return done;
}

fs::path resolve_resume_checkpoint(const std::string& resume_from_checkpoint, const fs::path& output_dir) {
  if (resume_from_checkpoint == "latest") {
    const auto dir = find_checkpoint(output_dir);
    if (dir.empty())
      throw InputError("training.resume_from_checkpoint: no checkpoint in " + output_dir.string() +
                       " (a run saves one at the end of each epoch, and every training.save_steps steps)");
    return dir;
  }
  const fs::path given = resume_from_checkpoint;
  if (fs::exists(given / kTrainerStateFile)) return given;
  const auto dir = find_checkpoint(given);
  if (dir.empty())
    throw InputError("training.resume_from_checkpoint: " + given.string() +
                     ": expected a checkpoint dir (with " + kTrainerStateFile +
                     ") or a run's output dir holding checkpoint/");
  return dir;
}

TrainerState read_trainer_state(const fs::path& dir) {
  const fs::path file = dir / kTrainerStateFile;
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": cannot read (expected a checkpoint's trainer state)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  return TrainerState::from_json(j, file.string());
}

namespace {

// Config keys that do not change what the loop computes: where things go, how fast, how often it logs or
// saves, what is done after training; the data and backbone are compared by content.
bool fingerprint_ignores(const std::string& key) {
  static const std::set<std::string> exact = {"model.name_or_path",
                                              "model.fallback",
                                              "model.tokenizer",
                                              "model.num_threads",
                                              "data.train_file",
                                              "data.validation_file",
                                              "data.test_file",
                                              "data.stress_file",
                                              "data.real_benign_file",
                                              "data.real_attacks_file",
                                              "data.benign_label",
                                              "data.generate.out_dir",
                                              "data.split.out_dir",
                                              "data.split.file",
                                              "training.output_dir",
                                              "training.logging_steps",
                                              "training.save_strategy",
                                              "training.save_steps",
                                              "training.nproc_per_node",
                                              "training.resume_from_checkpoint",
                                              "training.load_best_model_at_end",
                                              "pretrain.save_dir",
                                              "pretrain.save_dtype"};
  if (exact.count(key)) return true;
  return key.rfind("export.", 0) == 0;
}

void flatten(const YAML::Node& node, const std::string& prefix, nlohmann::json& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  if (fingerprint_ignores(prefix)) return;
  YAML::Emitter e;
  e << YAML::Flow << node;
  out[prefix] = std::string(e.c_str());
}

// FNV-1a, 64 bits, over the bytes of each value: a digest of the tokenized rows (not a security hash).
struct Fnv64 {
  uint64_t h = 1469598103934665603ULL;
  template <class T>
  void add(const T& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(&v);
    for (size_t i = 0; i < sizeof(T); ++i) h = (h ^ p[i]) * 1099511628211ULL;
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

std::string short_value(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

nlohmann::json config_fingerprint(const Config& config) {
  nlohmann::json out = nlohmann::json::object();
  flatten(YAML::Load(to_yaml(config)), "", out);
  return out;
}

nlohmann::json rows_fingerprint(const data::TokenizedRows& rows, const std::string& file) {
  Fnv64 f;
  for (size_t i = 0; i < rows.input_ids.size(); ++i) {
    f.add(static_cast<uint64_t>(rows.input_ids[i].size()));
    for (const int64_t id : rows.input_ids[i]) f.add(id);
    f.add(i < rows.labels.size() ? rows.labels[i] : int64_t{-1});
    f.add(i < rows.weights.size() ? rows.weights[i] : 1.0f);
  }
  return {{"rows", rows.input_ids.size()}, {"digest", f.hex()}, {"file", file}};
}

nlohmann::json run_fingerprint(const Config& config,
                               const std::vector<std::pair<std::string, nlohmann::json>>& splits,
                               const std::string& backbone_sha256) {
  nlohmann::json data = nlohmann::json::object();
  for (const auto& [name, fp] : splits) data[name] = fp;
  return {{"config", config_fingerprint(config)}, {"data", data}, {"backbone_sha256", backbone_sha256}};
}

void check_fingerprint(const fs::path& checkpoint_dir, const nlohmann::json& recorded,
                       const nlohmann::json& now) {
  if (!recorded.is_object() || recorded.empty()) return;
  std::vector<std::string> diffs;
  if (recorded.contains("config") && now.contains("config")) {
    const auto &was = recorded["config"], &is = now["config"];
    for (auto it = was.begin(); it != was.end(); ++it) {
      if (fingerprint_ignores(it.key()) || !is.contains(it.key())) continue;
      if (is[it.key()] != it.value())
        diffs.push_back(it.key() + ": " + short_value(it.value()) + " in the checkpoint, " +
                        short_value(is[it.key()]) + " now");
    }
  }
  if (recorded.contains("data") && now.contains("data")) {
    for (auto it = recorded["data"].begin(); it != recorded["data"].end(); ++it) {
      if (!now["data"].contains(it.key())) continue;
      const auto &was = it.value(), &is = now["data"][it.key()];
      if (was.value("rows", int64_t{-1}) != is.value("rows", int64_t{-2}) ||
          was.value("digest", std::string()) != is.value("digest", std::string()))
        diffs.push_back("data: the " + it.key() + " split differs (" + is.value("file", std::string("?")) +
                        ": " + std::to_string(is.value("rows", int64_t{0})) + " rows, token digest " +
                        is.value("digest", std::string()) + " now; the checkpoint trained on " +
                        std::to_string(was.value("rows", int64_t{0})) + " rows, digest " +
                        was.value("digest", std::string()) + ", from " + was.value("file", std::string("?")) +
                        ")");
    }
  }
  if (recorded.contains("backbone_sha256") && now.contains("backbone_sha256") &&
      recorded["backbone_sha256"] != now["backbone_sha256"])
    diffs.push_back("backbone: weights sha256 " + short_value(recorded["backbone_sha256"]) +
                    " in the checkpoint, " + short_value(now["backbone_sha256"]) + " now");
  if (diffs.empty()) return;
  std::string message = checkpoint_dir.string() + ": the checkpoint is of another run (" +
                        std::to_string(diffs.size()) + (diffs.size() == 1 ? " difference" : " differences") +
                        "): ";
  for (size_t i = 0; i < diffs.size() && i < 8; ++i) message += (i ? "; " : "") + diffs[i];
  if (diffs.size() > 8) message += "; and " + std::to_string(diffs.size() - 8) + " more";
  message += ". Resume with the run's own config and data, or start afresh without --resume";
  throw InputError(message);
}

void verify_checkpoint_files(const fs::path& dir, const TrainerState& state) {
  for (auto it = state.files.begin(); it != state.files.end(); ++it) {
    const fs::path file = dir / it.key();
    const auto bytes = it.value().value("bytes", int64_t{-1});
    const auto sha = it.value().value("sha256", std::string());
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      throw InputError(file.string() + ": missing from the checkpoint (its " + kTrainerStateFile +
                       " lists it): a damaged checkpoint; restore it, or start afresh without --resume");
    const auto size = static_cast<int64_t>(fs::file_size(file, ec));
    if (size != bytes)
      throw InputError(file.string() + ": " + std::to_string(size) + " bytes, the checkpoint recorded " +
                       std::to_string(bytes) +
                       ": a truncated or damaged checkpoint; restore it, or start afresh without --resume");
    if (sha256_file(file) != sha)
      throw InputError(file.string() + ": sha256 differs from what the checkpoint recorded (" +
                       sha.substr(0, 16) +
                       "...): a damaged checkpoint; restore it, or start afresh without --resume");
  }
}

std::vector<std::pair<std::string, torch::Tensor>> load_checkpoint(const fs::path& dir,
                                                                   torch::nn::Module& model,
                                                                   torch::optim::Optimizer& optimizer,
                                                                   TrainerState& state,
                                                                   const nlohmann::json* fingerprint) {
  TrainerState loaded = read_trainer_state(dir);
  verify_checkpoint_files(dir, loaded);
  if (fingerprint) check_fingerprint(dir, loaded.fingerprint, *fingerprint);
  const auto weights_file = dir / kTrainableWeightsFile;
  restore_snapshot(model, models::load_safetensors(weights_file), weights_file.string());
  load_optimizer(optimizer, dir / kOptimizerFile);
  const auto rng = models::SafetensorsFile::open(dir / kRngStateFile);
  set_rng_state(rng->get("cpu"));
  state = loaded;
  if (!fs::exists(dir / kBestWeightsFile)) return {};
  return models::load_safetensors(dir / kBestWeightsFile);
}

}  // namespace attune::trainer
