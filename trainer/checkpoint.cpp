#include "trainer/checkpoint.h"

#include <fstream>

#include "base/errors.h"
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
          {"train_seconds", train_seconds},
          {"train_samples", train_samples},
          {"early_stopping", early_stopping.to_json()},
          {"labels", labels}};
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
  const fs::path tmp = dir / kCheckpointTmp, cur = dir / kCheckpointDir, old = dir / kCheckpointOld;
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  models::save_safetensors(tmp / kTrainableWeightsFile, trainable_snapshot(model));
  if (!best.empty()) models::save_safetensors(tmp / kBestWeightsFile, best);
  save_optimizer(optimizer, tmp / kOptimizerFile);
  models::save_safetensors(tmp / kRngStateFile, {{"cpu", rng_state()}});
  // Written last: a dir with trainer_state.json is whole.
  write_file_atomic(tmp / kTrainerStateFile, state.to_json().dump(2) + "\n");
  fs::remove_all(old);
  if (fs::exists(cur)) fs::rename(cur, old);
  fs::rename(tmp, cur);
  fs::remove_all(old);
}

fs::path find_checkpoint(const fs::path& output_dir) {
  for (const char* name : {kCheckpointDir, kCheckpointOld})
    if (fs::exists(output_dir / name / kTrainerStateFile)) return output_dir / name;
  return {};
}

fs::path resolve_resume_checkpoint(const std::string& resume_from_checkpoint, const fs::path& output_dir) {
  if (resume_from_checkpoint == "latest") {
    const auto dir = find_checkpoint(output_dir);
    if (dir.empty())
      throw InputError("training.resume_from_checkpoint: no checkpoint in " + output_dir.string() +
                       " (a run saves one at the end of each epoch)");
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

std::vector<std::pair<std::string, torch::Tensor>> load_checkpoint(const fs::path& dir,
                                                                   torch::nn::Module& model,
                                                                   torch::optim::Optimizer& optimizer,
                                                                   TrainerState& state) {
  const auto weights_file = dir / kTrainableWeightsFile;
  restore_snapshot(model, models::load_safetensors(weights_file), weights_file.string());
  load_optimizer(optimizer, dir / kOptimizerFile);
  const auto rng = models::SafetensorsFile::open(dir / kRngStateFile);
  set_rng_state(rng->get("cpu"));
  state = read_trainer_state(dir);
  if (!fs::exists(dir / kBestWeightsFile)) return {};
  return models::load_safetensors(dir / kBestWeightsFile);
}

}  // namespace attune::trainer
