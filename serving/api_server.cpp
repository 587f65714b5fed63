#include "serving/api_server.h"

// Debian's libcpp-httplib is built with OpenSSL/zlib/brotli; the CPPHTTPLIB_* defines that match it come
// from its pkg-config target (see CMakeLists.txt): the header must see the same ones (class layouts differ).
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

#include "base/errors.h"
#include "base/file_io.h"
#include "base/strings.h"
#include "data/csv.h"
#include "inference/prediction_output.h"
#include "serving/api_access.h"
#include "serving/connection_gate.h"

namespace attune::serving {

namespace {

// Texts per call above which the tokenizer spreads its work over all cores.
constexpr std::size_t kParallelTokenizeTexts = 256;
// How often stop() retries while listen() is still starting.
constexpr auto kStopRetry = std::chrono::milliseconds(5);

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

// ---- ApiServer -----------------------------------------------------------------------------------

namespace {

// The gate owns the accept loop and hands each accepted connection to httplib, which serves it (TLS
// handshake, keep-alive requests, routing) in Server::process_and_close_socket: a private virtual member.
// Its address is taken through an explicit instantiation, where access checking does not apply
// ([temp.spec]); a call through it dispatches virtually, so an SSLServer serves the connection as TLS.
using ProcessSocket = bool (httplib::Server::*)(socket_t);
ProcessSocket process_socket_member();
template <ProcessSocket member>
struct ProcessSocketAccess {
  friend ProcessSocket process_socket_member() { return member; }
};
template struct ProcessSocketAccess<&httplib::Server::process_and_close_socket>;

// httplib's keep-alive loop runs while the server's listening socket (svr_sock_, protected) is valid: the
// gate's socket stands there while it serves, and INVALID_SOCKET ends the loops after their request.
template <class Base>
class GatedServer : public Base {
 public:
  using Base::Base;
  void set_listening_socket(socket_t fd) { this->svr_sock_ = fd; }
};

// How long a client should wait before retrying a 503, in seconds.
constexpr int kRetryAfterLoading = 5;
constexpr int kRetryAfterBusy = 1;

std::string busy_answer() {
  const std::string body =
      error_body("the server is busy: more connections are waiting than it queues; retry shortly");
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: " +
         std::to_string(kRetryAfterBusy) +
         "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// When the current request's headers were read (access log), per worker thread.
thread_local std::chrono::steady_clock::time_point t_request_start{};

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%S") << '.' << std::setw(3) << std::setfill('0') << ms << 'Z';
  return out.str();
}

std::mutex g_access_log_mutex;

}  // namespace

ApiServer::ApiServer(ServeOptions options) : options_(std::move(options)) {
  const bool tls = !options_.tls_cert.empty() || !options_.tls_key.empty();
  std::function<void(socket_t)> set_socket;
  if (tls) {
    if (options_.tls_cert.empty() || options_.tls_key.empty())
      throw InputError("TLS needs both --tls-cert and --tls-key");
    auto server = std::make_unique<GatedServer<httplib::SSLServer>>(options_.tls_cert.c_str(),
                                                                    options_.tls_key.c_str());
    if (!server->is_valid())
      throw InputError("cannot use --tls-cert " + options_.tls_cert + " with --tls-key " + options_.tls_key +
                       ": expected a PEM certificate (chain) and its PEM private key, unencrypted");
    auto* raw = server.get();
    set_socket = [raw](socket_t fd) { raw->set_listening_socket(fd); };
    http_ = std::move(server);
  } else {
    auto server = std::make_unique<GatedServer<httplib::Server>>();
    auto* raw = server.get();
    set_socket = [raw](socket_t fd) { raw->set_listening_socket(fd); };
    http_ = std::move(server);
  }
  GateOptions gate;
  gate.workers = std::max(1, options_.max_concurrent);
  gate.max_queue = options_.max_queue;
  gate.request_timeout = options_.request_timeout;
  gate.busy_answer = tls ? std::string() : busy_answer();  // a TLS client cannot read a plain-text answer
  auto* http = http_.get();
  gate_ = std::make_unique<ConnectionGate>(gate, [http](int fd) { (http->*process_socket_member())(fd); });
  set_listening_socket_ = std::move(set_socket);
  routes();
}

ApiServer::ApiServer(ScoreFn score, nlohmann::json info, std::vector<std::string> labels,
                     ServeOptions options)
    : ApiServer(std::move(options)) {
  ready(std::move(score), std::move(info), std::move(labels));
}

ApiServer::~ApiServer() {
  stop();
  if (batcher_) batcher_->stop();
}

void ApiServer::ready(ScoreFn score, nlohmann::json info, std::vector<std::string> labels) {
  if (ready_) throw std::logic_error("ApiServer::ready called twice");
  batcher_ = std::make_unique<RequestBatcher>(std::move(score), options_.max_batch, options_.max_wait);
  info_ = std::move(info);
  labels_ = std::move(labels);
  ready_ = true;  // publishes the batcher, info and labels to the handler threads
}

bool ApiServer::authorized(const std::string& authorization) const {
  return options_.api_key.empty() || bearer_matches(authorization, options_.api_key);
}

void ApiServer::routes() {
  auto& http = *http_;
  http.set_payload_max_length(options_.max_body_bytes);
  // Answers go out as soon as they are written (httplib writes the headers and the body separately: with
  // Nagle's algorithm the body would wait for the client's delayed ACK), and a keep-alive connection
  // serves many requests, not httplib's default of 5. An idle keep-alive connection holds a worker for at
  // most the keep-alive timeout.
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(options_.keep_alive_requests);
  const auto timeout_s = std::chrono::duration_cast<std::chrono::seconds>(options_.request_timeout).count();
  http.set_keep_alive_timeout(std::max<time_t>(1, std::min<time_t>(5, timeout_s)));

  // Unknown paths and wrong methods are answered before any body is read. The unread body would then be
  // taken for the connection's next request, so such an answer closes a connection that sent a body.
  static const std::map<std::string, std::string> kAllowed = {
      {"/api", "POST"}, {"/health", "GET, HEAD"}, {"/labels", "GET, HEAD"}};
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = std::chrono::steady_clock::now();
    ConnectionGate::request_started();
    // While connections wait for a worker, keep-alive clients are asked to reconnect after this answer.
    if (gate_->busy()) res.set_header("Connection", "close");
    const auto it = kAllowed.find(req.path);
    const bool known = it != kAllowed.end();
    const auto length = req.get_header_value("Content-Length");
    const bool sent_body = (!length.empty() && length != "0") || req.has_header("Transfer-Encoding");
    if (known && it->second.find(req.method) != std::string::npos) {
      // A body is read only as a plain Content-Length of bytes, so that --max-body-bytes bounds what is
      // held: chunked bodies had no bound until read whole, compressed ones none until inflated.
      const auto encoding = req.get_header_value("Content-Encoding");
      if (req.path != "/health" && !authorized(req.get_header_value("Authorization"))) {
        res.set_header("WWW-Authenticate", "Bearer");
        fail(res, 401,
             req.has_header("Authorization")
                 ? "the API key is wrong"
                 : "this server needs an API key: send Authorization: Bearer <key>");
      } else if (req.has_header("Transfer-Encoding"))
        fail(res, 411, "send the body with a Content-Length (chunked transfer is not accepted)");
      else if (!encoding.empty() && encoding != "identity")
        fail(res, 415, "Content-Encoding " + encoding + " is not accepted: send the body uncompressed");
      else if (req.has_header("Content-Length") &&
               (length.empty() || length.size() > 18 ||
                length.find_first_not_of("0123456789") != std::string::npos))
        fail(res, 400, "Content-Length must be a non-negative integer, got '" + length + "'");
      else if (!ready_ && req.path != "/health") {
        res.set_header("Retry-After", std::to_string(kRetryAfterLoading));
        fail(res, 503, "the model is still loading; retry shortly (GET /health says when it is ready)");
      } else
        return httplib::Server::HandlerResponse::Unhandled;
      if (sent_body) res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!known) {
      fail(res, 404, "no such path: " + req.path + " (known: POST /api, GET /health, GET /labels)");
    } else {
      res.set_header("Allow", it->second);
      fail(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + it->second + ")");
    }
    if (sent_body) res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });

  http.Post("/api", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const auto request = parse_api_request(req.body, options_);
      std::vector<nlohmann::json> results;
      if (!request.texts.empty()) {
        auto answer = batcher_->submit(request.texts);
        // Answer within the request's deadline, even while the model worker is behind.
        if (answer.wait_for(ConnectionGate::time_left()) != std::future_status::ready) {
          res.set_header("Retry-After", std::to_string(kRetryAfterBusy));
          throw HttpError(503, "not scored within the request timeout of " +
                                   std::to_string(options_.request_timeout.count()) +
                                   " ms (the server is overloaded); retry shortly");
        }
        results = answer.get();
      }
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
  http.Get("/health", [this](const httplib::Request& req, httplib::Response& res) {
    if (!ready_) {
      res.set_header("Retry-After", std::to_string(kRetryAfterLoading));
      answer(res, 503, nlohmann::json{{"status", "loading"}});
    } else if (!authorized(req.get_header_value("Authorization"))) {
      answer(res, 200, nlohmann::json{{"status", "ok"}});  // what is served is for key holders
    } else {
      answer(res, 200, info_);
    }
  });
  http.Get("/labels", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, nlohmann::json{{"labels", labels_}});
  });

  // Runs once each answer is written: the connection's next request starts its own deadline; the access
  // log gets one line (method, path, status, sizes, time; never a body or a header's value).
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    ConnectionGate::request_waiting();
    if (options_.access_log == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    const double ms = t_request_start == std::chrono::steady_clock::time_point{}
                          ? 0.0
                          : std::chrono::duration<double, std::milli>(now - t_request_start).count();
    t_request_start = {};
    const nlohmann::ordered_json line = {{"time", utc_now()},
                                         {"remote", req.remote_addr},
                                         {"method", req.method},
                                         {"path", req.path},
                                         {"status", res.status},
                                         {"request_bytes", req.body.size()},
                                         {"response_bytes", res.body.size()},
                                         {"ms", std::round(ms * 1000) / 1000}};
    const auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard<std::mutex> lock(g_access_log_mutex);
    *options_.access_log << text << std::endl;
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
  const int port = gate_->bind(options_.host, options_.port);
  set_listening_socket_(gate_->listening_fd());
  return port;
}

bool ApiServer::listen() {
  const bool ok = gate_->run();
  set_listening_socket_(INVALID_SOCKET);
  if (batcher_) batcher_->stop();
  return ok;
}

void ApiServer::stop() {
  // Keep-alive loops end after their current request; the gate stops accepting and joins its workers.
  set_listening_socket_(INVALID_SOCKET);
  gate_->stop();
}

std::uint64_t ApiServer::connections_accepted() const {
  return gate_->counts().accepted;
}
std::uint64_t ApiServer::connections_turned_away() const {
  return gate_->counts().turned_away;
}
std::uint64_t ApiServer::connections_timed_out() const {
  return gate_->counts().timed_out;
}

}  // namespace attune::serving
