// Errors that carry their context. An InputError is bad usage or bad input (a file, a line, a key):
// every executable's main prints its one-line message and exits 2. Anything else exits 1.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace attune {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "file:line: message" — the form every input error takes when it points into a file.
inline std::string at_line(const std::string& file, std::size_t line, const std::string& message) {
  return file + ":" + std::to_string(line) + ": " + message;
}

}  // namespace attune
