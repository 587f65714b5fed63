// serve: an HTTP API over an exported detector (merged Hugging Face dir or PEFT adapter dir); requests
// that arrive together are scored in one forward pass. See trainer/serving.h for the routes.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "base/errors.h"
#include "inference/evaluation.h"
#include "inference/export_dir.h"
#include "models/threads.h"
#include "serving/api_access.h"
#include "serving/api_server.h"
#include "tools/cli/cli_main.h"
#include "tools/cli/omp_wait.h"
#include "tools/cli/stop_signals.h"

namespace attune::cli {

int run(int argc, char** argv) {
  // OpenMP threads that spin while idle make a busy 2-core machine many times slower (docs/performance.md).
  cli::ensure_omp_wait_policy(argc, argv);
  // SIGTERM / SIGINT become a clean stop, even while the model is still loading.
  cli::StopSignals signals;

  CLI::App app{
      "Serve an exported detector (a merged Hugging Face dir or a PEFT adapter dir) over HTTP:\n"
      "  POST /api {\"text\": \"...\"}        -> {\"label\", \"score\", \"probabilities\"} (+ "
      "\"attack_score\",\n"
      "                                     \"operating_point\" where the model records one)\n"
      "  POST /api {\"texts\": [\"...\"]}     -> a list of those\n"
      "  GET /health (503 while the model loads), GET /labels\n"
      "Requests arriving together are batched into one forward pass; a request arriving alone is scored at\n"
      "once. --max-concurrent connections are served at once, --max-queue more wait; beyond that, or past\n"
      "--request-timeout-ms, a request is answered 503 with Retry-After. Only loopback addresses are served\n"
      "without --api-key-file (or --insecure). SIGTERM or SIGINT stops the server after the requests in\n"
      "flight are answered. Prints \"listening on http(s)://HOST:PORT\" once the model is loaded.\n"
      "Figures and flags: docs/deployment.md.",
      "serve"};
  std::string model_dir;
  serving::ServeOptions options;
  int threads = 0, max_wait_ms = 2, request_timeout_ms = 10000;
  bool fp32 = false, no_operating_point = false, insecure = false;
  std::string api_key_file, access_log;
  app.add_option("--model", model_dir, "exported model dir (merged or adapter)")->required();
  app.add_option("--host", options.host, "address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--max-batch", options.max_batch, "texts per forward pass")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--max-wait-ms", max_wait_ms,
                 "under concurrent load, how long queued requests may wait for others to batch with "
                 "(a request arriving alone never waits)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  app.add_option("--max-body-bytes", options.max_body_bytes, "largest request body (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(16, 1 << 30));
  app.add_option("--max-text-bytes", options.max_text_bytes, "largest text (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 30));
  app.add_option("--max-texts", options.max_texts, "most texts in one request (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--max-concurrent", options.max_concurrent,
                 "HTTP worker threads (connections served at once)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--max-queue", options.max_queue,
                 "connections that may wait for a free worker (more are answered 503 at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--request-timeout-ms", request_timeout_ms,
                 "longest time from a connection waiting for a request to its answer: a request not "
                 "scored by then is answered 503, a client still sending is disconnected")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600 * 1000));
  app.add_option("--api-key-file", api_key_file,
                 "file whose first line is the API key: requests need \"Authorization: Bearer KEY\" "
                 "(401 otherwise; GET /health answers only its status without it)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", options.tls_cert, "PEM certificate (chain): serve HTTPS (with --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert (unencrypted)")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure", insecure,
               "allow listening on a non-loopback address without --api-key-file (anyone who reaches the "
               "port can use the model)");
  app.add_option("--access-log", access_log,
                 "append one JSON line per request (time, client, method, path, status, sizes, ms; never "
                 "bodies or keys) to this file, or - for stderr");
  app.add_option(
         "--threads", threads,
         "torch intra-op threads (0: the CPUs this process may use; one for a model of hidden size < 512)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--fp32", fp32, "run in fp32 instead of bf16 autocast");
  app.add_flag("--no-operating-point", no_operating_point,
               "label by argmax, ignoring the operating point recorded in attune.json");
  app.footer(
      "Example: serve --model runs/x/export/merged --port 8080\n"
      "         curl -s localhost:8080/api -d '{\"text\": \"vssadmin delete shadows /all\"}'");
  parse(app, argc, argv);
  options.max_wait = std::chrono::milliseconds(max_wait_ms);
  options.request_timeout = std::chrono::milliseconds(request_timeout_ms);
  if (options.tls_cert.empty() != options.tls_key.empty())
    throw InputError("--tls-cert and --tls-key go together: give both or neither");
  if (!api_key_file.empty()) options.api_key = serving::read_api_key(api_key_file);
  if (!serving::is_loopback_host(options.host)) {
    if (options.api_key.empty() && !insecure)
      throw InputError("--host " + options.host +
                       " is not a loopback address: anyone who reaches it could use the model. Give "
                       "--api-key-file (and --tls-cert/--tls-key), or --insecure to serve it open anyway");
    if (options.api_key.empty())
      std::cerr << "serve: warning: --insecure: serving " << options.host
                << " without an API key; anyone who reaches the port can use the model\n";
    else if (options.tls_cert.empty())
      std::cerr << "serve: warning: serving " << options.host
                << " without TLS: the API key and texts cross the network in clear (--tls-cert/--tls-key)\n";
  }
  std::unique_ptr<std::ofstream> access_file;
  if (access_log == "-") {
    options.access_log = &std::cerr;
  } else if (!access_log.empty()) {
    access_file = std::make_unique<std::ofstream>(access_log, std::ios::app);
    if (!*access_file) throw InputError("--access-log " + access_log + ": cannot open it for appending");
    options.access_log = access_file.get();
  }
  const std::string scheme = options.tls_cert.empty() ? "http" : "https";

  // The server listens while the model loads (GET /health: 503 "loading"), then becomes ready.
  serving::ApiServer server(options);
  const int port = server.bind();
  signals.on_signal([&server] { server.stop(); });
  bool ok = true;
  std::thread listener([&server, &ok] { ok = server.listen(); });
  struct JoinListener {
    serving::ApiServer& server;
    std::thread& listener;
    ~JoinListener() {
      server.stop();
      if (listener.joinable()) listener.join();
    }
  } join_listener{server, listener};
  std::cerr << "serve: loading " << model_dir << " (GET /health on " << scheme << "://" << options.host << ":"
            << port << " answers 503 until it is ready)\n";

  auto thread_settings = models::apply_thread_policy(threads);
  auto loaded = inference::load_model_dir(model_dir);
  for (const auto& note : loaded.notes) std::cerr << "serve: note: " << note << "\n";
  if (no_operating_point) loaded.preprocessing.operating_point.reset();
  const auto& op = loaded.preprocessing.operating_point;
  // --threads 0: a small model answers faster on one thread (models/threads.h).
  models::settle_auto_threads(threads, static_cast<int>(loaded.model->config.hidden_size), &thread_settings);
  const auto settings = inference::inference_settings(loaded, static_cast<int64_t>(options.max_batch), !fp32);
  const nlohmann::json info = {{"status", "ok"}, {"model", model_dir}, {"labels", loaded.labels.size()}};
  if (signals.received() == 0)
    server.ready(serving::model_scorer(loaded, settings), info, loaded.labels.labels());
  std::cerr << "serve: " << model_dir << " (" << loaded.labels.size() << " labels, "
            << (fp32 ? "fp32" : "bf16 autocast") << (op ? ", " + op->describe() : std::string()) << "), "
            << models::describe(thread_settings) << "\n";
  if (signals.received() == 0)
    std::cout << "listening on " << scheme << "://" << options.host << ":" << port << std::endl;
  listener.join();
  signals.stop_waiting();  // the server must not be stopped by a late signal while it is destroyed
  if (signals.received() != 0) std::cerr << "serve: stopped (signal " << signals.received() << ")\n";
  if (!ok) {
    std::cerr << "error: serve: the listening socket failed\n";
    return 1;
  }
  return 0;
}

}  // namespace attune::cli
