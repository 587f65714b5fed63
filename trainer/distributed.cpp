#include "trainer/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cstdlib>

#include "base/cpus.h"
#include "base/errors.h"

namespace attune::trainer {

namespace {

// An integer environment variable in [lo, hi], or `fallback` when unset.
int env_int(const char* name, int fallback, int lo, int hi) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*end != '\0' || v < lo || v > hi)
    throw InputError(std::string("environment variable ") + name + "=" + value + ": expected an integer in " +
                     std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(v);
}

// Gloo throws its own exception types (derived from std::exception); callers get one message.
[[noreturn]] void rethrow_peer_failure(const char* what, const DistributedEnv& env, const std::exception& e) {
  throw std::runtime_error(env.describe() + ": " + what + " failed: " + e.what() +
                           " (another rank stopped or cannot be reached)");
}

// The tensors as one flat fp32 buffer (one collective instead of one per tensor), and back.
torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> parts;
  parts.reserve(tensors.size());
  for (const auto& t : tensors) parts.push_back(t.detach().reshape({-1}).to(torch::kFloat));
  return torch::cat(parts);
}
void copy_back(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& t : tensors) {
    t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace

std::string DistributedEnv::describe() const {
  return "rank " + std::to_string(rank) + "/" + std::to_string(world_size);
}

std::string DistributedEnv::summary() const {
  return std::to_string(world_size) + " ranks (c10d/Gloo, rendezvous " + master_addr + ":" +
         std::to_string(master_port) + "), " + std::to_string(local_world_size) + " on this machine";
}

int rank_threads(int configured, const DistributedEnv& env) {
  if (configured != 0 || !env.active()) return configured;
  return std::max(1, available_cpus() / env.local_world_size);
}

void seed_rank_dropout(const DistributedEnv& env, uint64_t seed, int64_t epoch) {
  torch::manual_seed(seed * 1000003u + static_cast<uint64_t>(epoch) * 7919u +
                     static_cast<uint64_t>(env.rank));
}

std::unique_ptr<ProcessGroup> join_process_group(const DistributedEnv& env) {
  return env.active() ? std::make_unique<ProcessGroup>(env, kDistributedTimeout) : nullptr;
}

std::pair<int64_t, int64_t> DistributedEnv::shard(int64_t rows) const {
  const int64_t first = rows * rank / world_size;
  return {first, rows * (rank + 1) / world_size - first};
}

DistributedEnv distributed_env_from_environment() {
  DistributedEnv env;
  env.world_size = env_int("WORLD_SIZE", 1, 1, 1 << 16);
  env.rank = env_int("RANK", 0, 0, env.world_size - 1);
  env.local_world_size = env_int("LOCAL_WORLD_SIZE", env.world_size, 1, env.world_size);
  env.local_rank = env_int("LOCAL_RANK", env.rank % env.local_world_size, 0, env.local_world_size - 1);
  env.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0')
    env.master_addr = addr;
  else if (env.world_size > 1)
    throw InputError(
        "WORLD_SIZE=" + std::to_string(env.world_size) +
        " but MASTER_ADDR is not set: expected the address of rank 0's machine (as torchrun sets "
        "it), or use train --nproc-per-node N on one machine");
  return env;
}

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

ProcessGroup::ProcessGroup(const DistributedEnv& env, std::chrono::milliseconds timeout)
    : env_(env), impl_(std::make_unique<Impl>()) {
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(env.master_port);
  store_options.isServer = env.rank == 0;
  store_options.numWorkers = static_cast<std::size_t>(env.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
  } catch (const std::exception& e) {
    throw InputError(env.describe() + ": cannot " + (env.rank == 0 ? "host" : "reach") +
                     " the rendezvous at MASTER_ADDR:MASTER_PORT = " + where + ": " + e.what());
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // The interface that reaches MASTER_ADDR (loopback on one machine).
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env.master_addr));
  options->threads = 1;
  try {
    impl_->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    rethrow_peer_failure("joining the process group", env_, e);
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::sum(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat = {flatten(tensors)};
  try {
    impl_->group->allreduce(flat)->wait();
  } catch (const std::exception& e) {
    rethrow_peer_failure("summing gradients", env_, e);
  }
  copy_back(flat[0], tensors);
}

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat = {flatten(tensors)};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  try {
    impl_->group->broadcast(flat, options)->wait();
  } catch (const std::exception& e) {
    rethrow_peer_failure("broadcasting weights", env_, e);
  }
  copy_back(flat[0], tensors);
}

std::vector<double> ProcessGroup::sum_gradients(const std::vector<torch::Tensor>& params,
                                                const std::vector<double>& extras) {
  std::vector<torch::Tensor> buffers;
  buffers.reserve(params.size() + 1);
  for (const auto& p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    buffers.push_back(p.grad());
  }
  // In the same fp32 buffer (counts stay exact below 2^24).
  const auto summed = torch::tensor(extras, torch::kDouble).to(torch::kFloat);
  buffers.push_back(summed);
  sum(buffers);
  std::vector<double> out(extras.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = summed[static_cast<int64_t>(i)].item<double>();
  return out;
}

bool ProcessGroup::broadcast_flag(bool value) {
  auto flag = torch::tensor({value ? 1.0f : 0.0f});
  broadcast({flag}, 0);
  return flag.item<float>() != 0.0f;
}

void ProcessGroup::barrier() {
  try {
    impl_->group->barrier()->wait();
  } catch (const std::exception& e) {
    rethrow_peer_failure("waiting for the other ranks", env_, e);
  }
}

}  // namespace attune::trainer
