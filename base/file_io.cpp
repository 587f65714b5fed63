#include "base/file_io.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "base/errors.h"

namespace attune {

std::size_t invalid_utf8_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: 8 ASCII bytes (none zero) at a time.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      const bool ascii = (word & 0x8080808080808080ULL) == 0;
      const bool has_zero = ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
      if (ascii && !has_zero) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = s[i];
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;  // stray continuation byte, overlong lead (C0/C1) or F5..FF
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw InputError(file.string() + ": cannot open (" + std::strerror(err) + "), expected a readable file");
  }
  if (std::filesystem::is_directory(file))
    throw InputError(file.string() + ": is a directory, expected a file");
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), size);
    if (in.gcount() != size) throw InputError(file.string() + ": read error, expected a readable file");
  }
  return text;
}

void write_file_atomic(const std::filesystem::path& file, const std::string& content) {
  const std::filesystem::path dir = file.parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(file.string() + ": cannot create directory " + dir.string() + ": " +
                             ec.message());
  const std::filesystem::path tmp = file.string() + "." + std::to_string(::getpid()) + ".tmp";
  auto fail = [&](const std::string& what) {
    const int err = errno;
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(file.string() + ": " + what + " (" + std::strerror(err) + ")");
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("cannot write " + tmp.string());
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot flush " + tmp.string());
  }
  if (::close(fd) != 0) fail("cannot close " + tmp.string());
  if (std::rename(tmp.c_str(), file.c_str()) != 0) fail("cannot rename " + tmp.string() + " over it");
}

void sync_path(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(path.string() + ": cannot flush to disk (" + std::strerror(err) + ")");
  }
  ::close(fd);
}

namespace {
std::filesystem::path old_of(const std::filesystem::path& dir) {
  return dir.string() + ".old";
}
std::filesystem::path parent_or_dot(const std::filesystem::path& p) {
  return p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
}
}  // namespace

void replace_dir(const std::filesystem::path& staged, const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path old = old_of(dir);
  std::error_code ec;
  auto check = [&](const std::string& what) {
    if (ec) throw std::runtime_error(dir.string() + ": cannot " + what + " (" + ec.message() + ")");
  };
  if (fs::exists(dir)) {
    fs::remove_all(old, ec);
    check("remove " + old.string());
    fs::rename(dir, old, ec);
    check("move the previous dir to " + old.string());
  }
  fs::rename(staged, dir, ec);
  check("move " + staged.string() + " into place");
  sync_path(parent_or_dot(dir));
  fs::remove_all(old, ec);
  check("remove " + old.string());
}

bool restore_replaced_dir(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path old = old_of(dir);
  if (!fs::exists(old)) return false;
  if (fs::exists(dir)) {
    fs::remove_all(old);
    return false;
  }
  fs::rename(old, dir);
  return true;
}

std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return removed;
  auto pid_of = [](const std::string& digits) -> long {
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      return -1;
    return std::stol(digits);
  };
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    const std::string name = entry.path().filename().string();
    long pid = -1;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {  // <name>.<pid>.tmp
      const std::string stem = name.substr(0, name.size() - 4);
      const auto dot = stem.rfind('.');
      if (dot != std::string::npos && dot > 0) pid = pid_of(stem.substr(dot + 1));
    } else if (const auto at = name.rfind(".tmp."); at != std::string::npos && at > 0) {  // <name>.tmp.<pid>
      pid = pid_of(name.substr(at + 5));
    }
    if (pid <= 0) continue;
    if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (fs::remove(entry.path(), ec)) removed.push_back(name);
  }
  return removed;
}

std::vector<std::string> text_lines(std::string_view content) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (content.substr(0, kUtf8Bom.size()) == kUtf8Bom) content.remove_prefix(kUtf8Bom.size());
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

}  // namespace attune
