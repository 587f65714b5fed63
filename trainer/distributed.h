// Data-parallel training on torch's own distributed engine (c10d: a TCPStore for the rendezvous and
// ProcessGroupGloo for the collectives, as torchrun's processes use them). A process learns its place from
// torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT); with
// WORLD_SIZE unset or 1 it is the only rank and nothing here talks to anyone.
//
// How the trainer uses it (trainer/train_loop.cpp): every rank walks the same batch plan and takes its
// slice of each global batch (the rows r·B/N .. (r+1)·B/N of a batch of B), so the global batch is the
// config's batch whatever N is; each rank scales its loss by its share of the batch's weight, and the
// gradients of the trainable parameters are summed across ranks in one flat buffer per optimizer step, so
// every rank takes the same step on the same weights. Rank 0 alone evaluates, logs, checkpoints, reports
// and exports; it tells the others when to stop, and at the end they take its weights.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attune::trainer {

// How long a rank waits for the others at a collective: rank 0 may prepare data or evaluate meanwhile.
constexpr std::chrono::milliseconds kDistributedTimeout = std::chrono::minutes(30);

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool active() const { return world_size > 1; }
  bool is_main() const { return rank == 0; }
  // Whether this process prepares the files its machine's ranks read (generated data, a trained
  // tokenizer): one per machine, local rank 0 (a single process does).
  bool prepares() const { return local_rank == 0; }
  // This rank's rows of a global batch of `rows`: {first, count} (rows·r/N .. rows·(r+1)/N).
  std::pair<int64_t, int64_t> shard(int64_t rows) const;
  // "rank 1/2" for messages.
  std::string describe() const;
  // "2 ranks (c10d/Gloo, rendezvous 127.0.0.1:29500), 2 on this machine", for a run's opening lines.
  std::string summary() const;
};

// The environment of this process: torchrun's variables, checked (InputError naming the variable and
// what was expected: integers, 0 <= RANK < WORLD_SIZE, a port in 1..65535, MASTER_ADDR set when
// WORLD_SIZE > 1). Unset: a single process.
DistributedEnv distributed_env_from_environment();

// Intra-op threads for this process: `configured` as given; auto (0) on a rank shares the machine's cores
// among its local ranks (at least one each); auto on a single process stays auto (models/threads.h).
int rank_threads(int configured, const DistributedEnv& env);

// Seeds torch's generator for this rank's dropout masks in `epoch`: each rank draws its own (its rows
// differ from the others'), reproducibly per (seed, epoch, rank).
void seed_rank_dropout(const DistributedEnv& env, uint64_t seed, int64_t epoch);

// The collectives a rank needs. Every call is a collective: all ranks make the same calls in the same
// order. A rank that died or stopped answering makes the call throw std::runtime_error (after `timeout`
// at most) naming the peer problem.
class ProcessGroup {
 public:
  // Joins the group: rank 0 hosts the TCPStore on MASTER_ADDR:MASTER_PORT, the others connect to it
  // (retrying until `timeout`). InputError where the address cannot be used.
  ProcessGroup(const DistributedEnv& env, std::chrono::milliseconds timeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  const DistributedEnv& env() const { return env_; }

  // Sums `tensors` (fp32, any shapes) across ranks in place, as one flat buffer (one collective).
  void sum(const std::vector<torch::Tensor>& tensors);
  // Every rank gets rank `root`'s values of `tensors` (in place; one collective).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0);
  // The data-parallel step's collective: sums every parameter's gradient (zeros stand in for a parameter
  // without one, as on a rank without rows) and `extras` (this rank's loss and counts) across ranks.
  // Returns the summed extras.
  std::vector<double> sum_gradients(const std::vector<torch::Tensor>& params,
                                    const std::vector<double>& extras);
  // Rank 0's flag, on every rank.
  bool broadcast_flag(bool value);
  void barrier();

 private:
  struct Impl;
  DistributedEnv env_;
  std::unique_ptr<Impl> impl_;
};

// Joins the process group of a data-parallel run (kDistributedTimeout); null for a single process.
std::unique_ptr<ProcessGroup> join_process_group(const DistributedEnv& env);

}  // namespace attune::trainer
