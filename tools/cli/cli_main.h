// The shared main() of every executable: run() does the work; main() maps what it throws to exit codes
// (0 done or --help, 2 bad usage or bad input with one line on stderr, 1 any other failure).
#pragma once

#include <CLI/CLI.hpp>

namespace attune::cli {

// Implemented once per executable (tools/<name>.cpp).
int run(int argc, char** argv);

// Thrown to leave run() early with an exit code (after --help, for instance).
struct Exit {
  int code;
};

// Parses argv into app. --help prints the help, --version "<tool> (attune) <version>", and both throw
// Exit{0}; a usage error throws attune::InputError naming the problem and pointing at --help.
void parse(CLI::App& app, int argc, char** argv);

}  // namespace attune::cli
