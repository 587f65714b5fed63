// `--nproc-per-node N`: runs N copies of this executable as the local ranks of one data-parallel job, with
// the environment torchrun would give them (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR
// 127.0.0.1, MASTER_PORT a free port), and watches them: when one fails, the others get 30 s to notice it
// themselves (each says so), then SIGTERM, then SIGKILL. SIGTERM/SIGINT to the launcher reach every rank.
#pragma once

#include <string>
#include <vector>

namespace attune::cli {

// argv without the option `flag` and its value ("--flag N" or "--flag=N").
std::vector<std::string> argv_without(int argc, char** argv, const std::string& flag);

// Starts the ranks (this executable, /proc/self/exe, with `args` minus args[0]) and waits for them. Returns
// 0 when every rank exits 0; otherwise the first failing rank's exit status (128 + signal for a signal).
// InputError when WORLD_SIZE is already set (a launched rank cannot launch more) or nproc < 1.
int launch_local_ranks(const std::vector<std::string>& args, int nproc, const std::string& tool);

}  // namespace attune::cli
