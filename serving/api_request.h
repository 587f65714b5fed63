// serve's POST /api body: the three request forms parsed and checked against the size limits, apart from
// the HTTP server so that the parser stands alone (its fuzz target links nothing else).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "inference/auditd.h"

namespace attune::serving {

// What a request may hold (413 above each).
struct RequestLimits {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_text_bytes = 64 << 10;  // per text
  std::size_t max_texts = 1024;           // per request
};

// An HTTP error to answer with: status and message.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

// The texts of a POST /api body, and whether it was the list form or audit records. Throws HttpError
// (400 / 413).
struct ApiRequest {
  std::vector<std::string> texts;
  bool list = false;
  bool auditd = false;
  std::vector<inference::AuditCommand> commands;  // auditd: the event of each text, in order
  std::vector<inference::AuditIssue> skipped;     // auditd: lines that gave no text, and why
};
ApiRequest parse_api_request(const std::string& body, const RequestLimits& limits);

}  // namespace attune::serving
