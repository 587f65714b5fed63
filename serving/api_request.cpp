#include "serving/api_request.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/file_io.h"
#include "base/strings.h"

namespace attune::serving {

namespace {

// What POST /api expects, for error messages.
constexpr const char* kApiForm =
    R"(expected {"text": "..."}, {"texts": ["...", ...]} or {"auditd": "audit records"})";

// One text of a request: a non-empty string within the size limit, valid UTF-8 without NUL.
std::string checked_text(const nlohmann::json& value, const std::string& where,
                         const RequestLimits& options) {
  if (!value.is_string())
    throw HttpError(400,
                    where + " must be a string, got " + std::string(value.type_name()) + "; " + kApiForm);
  auto text = value.get<std::string>();
  if (text.size() > options.max_text_bytes)
    throw HttpError(413, where + " is " + std::to_string(text.size()) + " bytes; the limit is " +
                             std::to_string(options.max_text_bytes));
  if (text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) throw HttpError(400, where + " is empty");
  if (invalid_utf8_offset(text) != std::string_view::npos)
    throw HttpError(400, where + " holds a NUL character or invalid UTF-8");
  return text;
}

}  // namespace

ApiRequest parse_api_request(const std::string& body, const RequestLimits& options) {
  if (body.size() > options.max_body_bytes)
    throw HttpError(413, "the request body is " + std::to_string(body.size()) + " bytes; the limit is " +
                             std::to_string(options.max_body_bytes));
  nlohmann::json j;
  try {
    if (json_nesting_depth(body) > kMaxJsonDepth)
      throw HttpError(400,
                      "the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels; " + kApiForm);
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    const auto close = what.find("] ");
    throw HttpError(400, "malformed JSON: " + (close == std::string::npos ? what : what.substr(close + 2)));
  }
  if (!j.is_object())
    throw HttpError(400, std::string("the body is a JSON ") + j.type_name() + "; " + kApiForm);
  const int forms = static_cast<int>(j.contains("text")) + static_cast<int>(j.contains("texts")) +
                    static_cast<int>(j.contains("auditd"));
  if (forms != 1)
    throw HttpError(400, std::string(forms > 1 ? "more than one of \"text\", \"texts\" and \"auditd\" given"
                                               : "missing field \"text\"") +
                             "; " + kApiForm);
  const bool has_text = j.contains("text");
  ApiRequest request;
  if (j.contains("auditd")) {
    const auto& log = j["auditd"];
    if (!log.is_string())
      throw HttpError(400,
                      std::string("\"auditd\" must be a string of audit records, got ") + log.type_name());
    request.auditd = true;
    auto decoded = inference::decode_audit_log(log.get_ref<const std::string&>());
    request.skipped = std::move(decoded.issues);
    for (auto& command : decoded.commands) {
      try {
        request.texts.push_back(
            checked_text(command.command, "the command of audit event " + command.event, options));
        request.commands.push_back(std::move(command));
      } catch (const HttpError& e) {
        request.skipped.push_back({command.line, e.what()});
      }
    }
    std::stable_sort(request.skipped.begin(), request.skipped.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    if (request.texts.size() > options.max_texts)
      throw HttpError(413, "\"auditd\" holds " + std::to_string(request.texts.size()) +
                               " commands; the limit is " + std::to_string(options.max_texts));
    return request;
  }
  if (has_text) {
    request.texts.push_back(checked_text(j["text"], "\"text\"", options));
    return request;
  }
  request.list = true;
  const auto& texts = j["texts"];
  if (!texts.is_array())
    throw HttpError(400, std::string("\"texts\" must be a list of strings, got ") + texts.type_name());
  if (texts.size() > options.max_texts)
    throw HttpError(413, "\"texts\" holds " + std::to_string(texts.size()) + " texts; the limit is " +
                             std::to_string(options.max_texts));
  for (std::size_t i = 0; i < texts.size(); ++i)
    request.texts.push_back(checked_text(texts[i], "\"texts\"[" + std::to_string(i) + "]", options));
  return request;
}

}  // namespace attune::serving
