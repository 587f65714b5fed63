// Small helpers the end-to-end tests share: reading a whole file or its JSON, writing one, shell-quoting an
// argument for std::system, and running one of the built executables (to its end, or started as a child to be
// killed).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "test_paths.h"

namespace attune::testing {

// The whole file as bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The file's JSON; a test failure and an empty object when it is missing.
inline nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    ADD_FAILURE() << file << " is missing";
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(in);
}

// Writes `content` to `file` and returns the path.
inline std::filesystem::path write(const std::filesystem::path& file, const std::string& content) {
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

// `s` in single quotes for /bin/sh, embedded quotes escaped.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct ToolRun {
  int status = -1;     // exit status; -1 when the tool is missing or did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs bin/<tool> with `args` from the source dir, with `env` (NAME, value) set for it alone; output is
// captured through `log` (a file the caller owns; kept for a failing test's messages).
inline ToolRun run_tool(const std::string& tool, const std::vector<std::string>& args,
                        const std::vector<std::pair<std::string, std::string>>& env,
                        const std::filesystem::path& log) {
  const auto exe = bin_dir() / tool;
  if (!std::filesystem::exists(exe)) return {-1, exe.string() + " is missing: build the " + tool + " target"};
  std::string command = "cd " + quote(source_dir().string()) + " && env";
  for (const auto& [name, value] : env) command += " " + name + "=" + quote(value);
  command += " " + quote(exe.string());
  for (const auto& a : args) command += " " + quote(a);
  command += " >" + quote(log.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
}

// Starts bin/<tool> with `args` from the source dir as a child process, stdout and stderr to `log`, and
// returns its pid (the caller waits for it or kills it). With `fsize_limit` > 0, writes past that many
// bytes fail (EFBIG, SIGXFSZ ignored), as they do on a full disk.
inline pid_t spawn(const std::string& tool, const std::vector<std::string>& args,
                   const std::filesystem::path& log, rlim_t fsize_limit = 0) {
  const std::string exe = (bin_dir() / tool).string();
  const std::string cwd = source_dir().string();
  std::vector<std::string> argv_s{exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fsize_limit > 0) {
      signal(SIGXFSZ, SIG_IGN);
      rlimit r{fsize_limit, fsize_limit};
      if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(126);
    }
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace attune::testing
