// Who may use serve's API: the bearer key of --api-key-file, and whether an address is loopback (serve
// refuses to listen on anything else without a key unless told --insecure).
#pragma once

#include <string>

namespace attune::serving {

// The key in `file`: its first line without surrounding whitespace. InputError (naming the file) when it
// cannot be read, is empty, or is shorter than 16 characters (a guessable key protects nothing). The key
// is never printed.
std::string read_api_key(const std::string& file);

// Whether an Authorization header value is "Bearer <key>". The comparison takes the same time whatever
// the header holds (it does not stop at the first differing byte), so timing tells nothing about the key.
bool bearer_matches(const std::string& authorization, const std::string& key);

// Whether host is a loopback address: localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z).
bool is_loopback_host(const std::string& host);

}  // namespace attune::serving
