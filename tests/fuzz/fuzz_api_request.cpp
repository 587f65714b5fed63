// libFuzzer target: serve's POST /api body parser (serving::parse_api_request). Any body is either a request
// or an HttpError with status 400 or 413 (anything else escaping would be a 500); an accepted request holds
// at most max_texts texts (one for {"text"}), each non-blank UTF-8 without NUL within max_text_bytes, and an
// auditd request one audit event per text. The limits are small so that the 413 paths are reached.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/file_io.h"
#include "serving/api_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  attune::serving::RequestLimits options;
  options.max_body_bytes = 4096;
  options.max_text_bytes = 64;
  options.max_texts = 8;
  attune::serving::ApiRequest request;
  try {
    request = attune::serving::parse_api_request(body, options);
  } catch (const attune::serving::HttpError& e) {
    if (e.status != 400 && e.status != 413) std::abort();
    return 0;
  }
  if (request.texts.size() > options.max_texts) std::abort();
  if (!request.auditd && !request.list && request.texts.size() != 1) std::abort();
  if (request.auditd && request.commands.size() != request.texts.size()) std::abort();
  for (const auto& text : request.texts) {
    if (text.size() > options.max_text_bytes || attune::invalid_utf8_offset(text) != std::string_view::npos ||
        text.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
      std::abort();
  }
  return 0;
}
