#include "serving/api_access.h"

#include <arpa/inet.h>

#include <cstring>
#include <fstream>

#include "base/errors.h"

namespace attune::serving {

namespace {
constexpr std::size_t kMinKeyLength = 16;
constexpr const char* kBearer = "Bearer ";
}  // namespace

std::string read_api_key(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError("--api-key-file " + file + ": cannot read it");
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  const std::string key = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (key.empty())
    throw InputError(at_line(file, 1, "expected the API key on the first line, found nothing"));
  if (key.size() < kMinKeyLength)
    throw InputError(at_line(file, 1,
                             "the API key has " + std::to_string(key.size()) + " characters; use at least " +
                                 std::to_string(kMinKeyLength) + " (e.g. openssl rand -hex 32)"));
  for (const unsigned char c : key)
    if (c < 0x21 || c > 0x7e)
      throw InputError(at_line(file, 1, "the API key must be printable ASCII without spaces"));
  return key;
}

bool bearer_matches(const std::string& authorization, const std::string& key) {
  const std::size_t prefix = std::strlen(kBearer);
  // Every byte of the key is compared, against the header's or against itself where the header is
  // shorter, and the differences are OR-ed: the time depends on the key's length only.
  unsigned char diff = authorization.size() == prefix + key.size() ? 0 : 1;
  diff |= authorization.compare(0, prefix, kBearer) == 0 ? 0 : 1;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const std::size_t at = prefix + i;
    const unsigned char given = at < authorization.size() ? static_cast<unsigned char>(authorization[at])
                                                          : static_cast<unsigned char>(~key[i]);
    diff |= static_cast<unsigned char>(given ^ static_cast<unsigned char>(key[i]));
  }
  return diff == 0;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace attune::serving
