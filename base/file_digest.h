// SHA-256 of a file (OpenSSL's EVP digest), hex-encoded: how a run names the exact weights it used.
#pragma once

#include <filesystem>
#include <string>

namespace attune {

// 64 lowercase hex digits. InputError naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace attune
