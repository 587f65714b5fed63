#include "serving/api_server.h"

// Debian's libcpp-httplib is built with OpenSSL/zlib/brotli; the CPPHTTPLIB_* defines that match it come
// from its pkg-config target (see CMakeLists.txt): the header must see the same ones (class layouts differ).
#include <httplib.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"
#include "data/csv.h"
#include "inference/prediction_output.h"

namespace attune::serving {

namespace {

// Texts per call above which the tokenizer spreads its work over all cores.
constexpr std::size_t kParallelTokenizeTexts = 256;
// How often stop() retries while listen() is still starting.
constexpr auto kStopRetry = std::chrono::milliseconds(5);
// What POST /api expects, for error messages.
constexpr const char* kApiForm =
    R"(expected {"text": "..."}, {"texts": ["...", ...]} or {"auditd": "audit records"})";

// Answers are written with invalid UTF-8 replaced by U+FFFD: an error message may quote the request's
// bytes, and a dump that throws on them would turn a 400 into a 500.
std::string dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_body(const std::string& message) {
  return dump(nlohmann::json{{"error", message}});
}

void answer(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void fail(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_body(message), "application/json");
}

// One text of a request: a non-empty string within the size limit, valid UTF-8 without NUL.
std::string checked_text(const nlohmann::json& value, const std::string& where, const ServeOptions& options) {
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

ScoreFn model_scorer(const inference::LoadedModel& model, const inference::InferenceSettings& settings) {
  return [&model, settings](const std::vector<std::string>& texts) {
    const int threads = texts.size() >= kParallelTokenizeTexts ? 0 : 1;
    const auto ids = model.tokenizer->encode_batch(texts, /*add_special_tokens=*/true,
                                                   model.preprocessing.max_length, threads);
    auto predictions = inference::predict(*model.model, ids, settings);
    const auto& op = model.preprocessing.operating_point;
    if (op) inference::apply_operating_point(predictions, *op);
    std::vector<inference::InputText> inputs(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) inputs[i].line = i + 1;  // texts are not echoed back
    std::vector<nlohmann::json> out;
    out.reserve(texts.size());
    for (const auto& scored : inference::scored_texts(predictions, inputs))
      out.push_back(inference::prediction_json(scored, model.labels.labels(), op ? &*op : nullptr));
    return out;
  };
}

// ---- request parsing -----------------------------------------------------------------------------

ApiRequest parse_api_request(const std::string& body, const ServeOptions& options) {
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

// ---- ApiServer -----------------------------------------------------------------------------------

ApiServer::ApiServer(ScoreFn score, nlohmann::json info, std::vector<std::string> labels,
                     ServeOptions options)
    : http_(std::make_unique<httplib::Server>()),
      batcher_(std::move(score), options.max_batch, options.max_wait),
      info_(std::move(info)),
      labels_(std::move(labels)),
      options_(std::move(options)) {
  routes();
}

ApiServer::~ApiServer() {
  stop();
  batcher_.stop();
}

void ApiServer::routes() {
  auto& http = *http_;
  const int threads = std::max(1, options_.max_concurrent);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(options_.max_body_bytes);
  // Answers go out as soon as they are written (httplib writes the headers and the body separately: with
  // Nagle's algorithm the body would wait for the client's delayed ACK), and a keep-alive connection
  // serves many requests, not httplib's default of 5.
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(options_.keep_alive_requests);

  // Unknown paths and wrong methods are answered before any body is read. The unread body would then be
  // taken for the connection's next request, so such an answer closes a connection that sent a body.
  static const std::map<std::string, std::string> kAllowed = {
      {"/api", "POST"}, {"/health", "GET, HEAD"}, {"/labels", "GET, HEAD"}};
  http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const auto it = kAllowed.find(req.path);
    const bool known = it != kAllowed.end();
    if (known && it->second.find(req.method) != std::string::npos) {
      // A body is read only as a plain Content-Length of bytes, so that --max-body-bytes bounds what is
      // held: chunked bodies had no bound until read whole, compressed ones none until inflated.
      const auto length = req.get_header_value("Content-Length");
      const auto encoding = req.get_header_value("Content-Encoding");
      if (req.has_header("Transfer-Encoding"))
        fail(res, 411, "send the body with a Content-Length (chunked transfer is not accepted)");
      else if (!encoding.empty() && encoding != "identity")
        fail(res, 415, "Content-Encoding " + encoding + " is not accepted: send the body uncompressed");
      else if (req.has_header("Content-Length") &&
               (length.empty() || length.size() > 18 ||
                length.find_first_not_of("0123456789") != std::string::npos))
        fail(res, 400, "Content-Length must be a non-negative integer, got '" + length + "'");
      else
        return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!known) {
      fail(res, 404, "no such path: " + req.path + " (known: POST /api, GET /health, GET /labels)");
    } else {
      res.set_header("Allow", it->second);
      fail(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + it->second + ")");
    }
    const auto length = req.get_header_value("Content-Length");
    if ((!length.empty() && length != "0") || req.has_header("Transfer-Encoding"))
      res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });

  http.Post("/api", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const auto request = parse_api_request(req.body, options_);
      std::vector<nlohmann::json> results;
      if (!request.texts.empty()) results = batcher_.submit(request.texts).get();
      if (request.auditd) {
        nlohmann::json predictions = nlohmann::json::array(), skipped = nlohmann::json::array();
        for (std::size_t i = 0; i < results.size(); ++i) {
          const auto& c = request.commands[i];
          nlohmann::json p = {{"event", c.event}, {"line", c.line}, {"command", c.command}};
          p.update(results[i]);
          predictions.push_back(std::move(p));
        }
        for (const auto& s : request.skipped) skipped.push_back({{"line", s.line}, {"message", s.message}});
        answer(res, 200, nlohmann::json{{"predictions", predictions}, {"skipped", skipped}});
      } else if (request.list)
        answer(res, 200, nlohmann::json(results));
      else
        answer(res, 200, results.at(0));
    } catch (const HttpError& e) {
      fail(res, e.status, e.what());
    }
  });
  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) { answer(res, 200, info_); });
  http.Get("/labels", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, nlohmann::json{{"labels", labels_}});
  });

  // Any error without a body of its own (httplib's 413 or 400) still answers JSON.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = "HTTP error " + std::to_string(res.status);
        if (res.status == 400) message = "bad request";
        if (res.status == 413) message = "the request body is too large";
        if (res.status == 414) message = "the request URI is too long";
        fail(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    std::cerr << "serve: request failed: " << message << "\n";
    fail(res, 500, message);
  });
}

int ApiServer::bind() {
  const int port = options_.port == 0
                       ? http_->bind_to_any_port(options_.host)
                       : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0)
    throw InputError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                     " (address in use, not an address of this machine, or no permission)");
  return port;
}

bool ApiServer::listen() {
  listen_entered_ = true;
  // Stopped before we got here: httplib closes the bound socket only from within its loop, so enter the
  // loop and have it stopped at once (stop() retries until the loop runs).
  std::thread closer;
  if (stop_requested_) closer = std::thread([this] { stop(); });
  const bool ok = http_->listen_after_bind();
  if (closer.joinable()) closer.join();
  batcher_.stop();
  listen_returned_ = true;
  return ok;
}

void ApiServer::stop() {
  stop_requested_ = true;
  for (;;) {
    const bool was_running = http_->is_running();
    http_->stop();
    if (was_running || !listen_entered_ || listen_returned_) return;
    std::this_thread::sleep_for(kStopRetry);  // listen() is between its check and httplib's loop
  }
}

}  // namespace attune::serving
