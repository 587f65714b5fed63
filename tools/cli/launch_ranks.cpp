#include "tools/cli/launch_ranks.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/errors.h"

namespace attune::cli {

namespace {

// Seconds the surviving ranks get to end on their own after one failed, before SIGTERM; then SIGKILL.
constexpr int kGraceSeconds = 30;
constexpr int kTermSeconds = 10;

volatile sig_atomic_t g_forwarded_signal = 0;
void remember_signal(int sig) {
  g_forwarded_signal = sig;
}

// A TCP port that was free a moment ago on loopback (the kernel's pick).
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error(std::string("cannot pick a port for the ranks: ") + std::strerror(errno));
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

int exit_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::vector<std::string> argv_without(int argc, char** argv, const std::string& flag) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == flag) {
      ++i;  // and its value
      continue;
    }
    if (a.rfind(flag + "=", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

int launch_local_ranks(const std::vector<std::string>& args, int nproc, const std::string& tool) {
  if (nproc < 1) throw InputError("--nproc-per-node must be at least 1");
  if (const char* ws = std::getenv("WORLD_SIZE"); ws != nullptr && *ws != '\0')
    throw InputError("--nproc-per-node with WORLD_SIZE=" + std::string(ws) +
                     " already set: either launch the ranks yourself (torchrun's variables) or let " + tool +
                     " start them, not both");
  const int port = free_loopback_port();
  std::cerr << tool << ": starting " << nproc << " ranks on this machine (MASTER_ADDR 127.0.0.1, MASTER_PORT "
            << port << ")\n";
  struct sigaction forward {};
  forward.sa_handler = remember_signal;
  sigemptyset(&forward.sa_mask);
  struct sigaction old_term {
  }, old_int{};
  sigaction(SIGTERM, &forward, &old_term);
  sigaction(SIGINT, &forward, &old_int);

  std::vector<pid_t> pids(static_cast<std::size_t>(nproc), -1);
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("cannot start a rank: ") + std::strerror(errno));
    if (pid == 0) {
      sigaction(SIGTERM, &old_term, nullptr);
      sigaction(SIGINT, &old_int, nullptr);
      const std::string r = std::to_string(rank), n = std::to_string(nproc), p = std::to_string(port);
      ::setenv("RANK", r.c_str(), 1);
      ::setenv("LOCAL_RANK", r.c_str(), 1);
      ::setenv("WORLD_SIZE", n.c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", n.c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", p.c_str(), 1);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      std::cerr << tool << ": rank " << rank << ": cannot start: " << std::strerror(errno) << "\n";
      ::_exit(127);
    }
    pids[static_cast<std::size_t>(rank)] = pid;
  }

  int result = 0, running = nproc, failed_rank = -1;
  std::chrono::steady_clock::time_point failed_at{};
  bool termed = false, killed = false;
  auto signal_all = [&](int sig) {
    for (const pid_t pid : pids)
      if (pid > 0) ::kill(pid, sig);
  };
  while (running > 0) {
    if (g_forwarded_signal != 0) {
      signal_all(g_forwarded_signal);
      g_forwarded_signal = 0;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int rank = 0; rank < nproc; ++rank)
        if (pids[static_cast<std::size_t>(rank)] == pid) {
          pids[static_cast<std::size_t>(rank)] = -1;
          --running;
          const int code = exit_status(status);
          if (code != 0 && failed_rank < 0) {
            failed_rank = rank;
            result = code;
            failed_at = std::chrono::steady_clock::now();
            std::cerr << tool << ": rank " << rank << " exited with status " << code
                      << (running > 0 ? "; the other ranks stop too" : "") << "\n";
          }
        }
      continue;
    }
    if (failed_rank >= 0 && running > 0) {
      const auto waited = std::chrono::steady_clock::now() - failed_at;
      if (!termed && waited > std::chrono::seconds(kGraceSeconds)) {
        signal_all(SIGTERM);
        termed = true;
      } else if (!killed && waited > std::chrono::seconds(kGraceSeconds + kTermSeconds)) {
        signal_all(SIGKILL);
        killed = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  return result;
}

}  // namespace attune::cli
