// Small helpers the end-to-end tests share: reading a whole file, writing one, and shell-quoting an
// argument for std::system.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace attune::testing {

// The whole file as bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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

}  // namespace attune::testing
