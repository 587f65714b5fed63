// loadgen: the project's load generator for `serve`: N clients (one thread and one keep-alive connection
// each) POST {"text": ...} bodies to a URL and it reports requests/s, latency percentiles and errors.
#include <iostream>

#include "base/errors.h"
#include "base/file_io.h"
#include "data/csv.h"
#include "inference/inputs.h"
#include "serving/api_access.h"
#include "serving/loadgen.h"
#include "tools/cli/cli_main.h"

namespace attune::cli {

namespace {

// Sent when no --text or --input is given: short command lines, as a detector sees them.
const std::vector<std::string> kDefaultTexts = {"whoami /priv", "reg save HKLM\\SAM C:\\Temp\\sam.save",
                                                "ipconfig /all", "vssadmin delete shadows /all /quiet"};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "Load-test a running `serve` (or any JSON endpoint): N clients, one thread and one keep-alive\n"
      "connection each, POST {\"text\": ...} bodies; after a warm-up they start together and send a fixed\n"
      "number of requests (--requests, shared among them) or for a time (--duration). Prints requests/s,\n"
      "latency p50/p90/p99/max in ms (answered 2xx requests) and the failed requests by status or transport\n"
      "error. Exit 0 when every measured request got a 2xx answer, 1 otherwise.",
      "loadgen"};
  std::string url, input_file, column = "text", field = "text";
  std::vector<std::string> texts;
  std::size_t concurrency = 1, requests = 0, warmup = 10;
  double duration_s = 0;
  int timeout_s = 30;
  bool json = false, insecure_tls = false;
  std::string api_key_file;
  serving::ClientOptions client;
  app.add_option("--url", url, "endpoint, http(s)://HOST:PORT/PATH (e.g. http://127.0.0.1:8080/api)")
      ->required();
  app.add_option("--concurrency,-c", concurrency, "clients sending at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  auto* requests_opt = app.add_option("--requests,-n", requests, "measured requests in all")
                           ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32));
  app.add_option("--duration,-d", duration_s, "or: measure for this many seconds")
      ->check(CLI::Range(0.001, 86400.0))
      ->excludes(requests_opt);
  auto* text_opt = app.add_option("--text", texts, "a text to send (repeatable; sent in turn)");
  app.add_option("--input", input_file, "file of texts: lines, CSV (--column) or JSON lines (--field)")
      ->excludes(text_opt);
  app.add_option("--column", column, "CSV: the text column")->capture_default_str();
  app.add_option("--field", field, "JSON lines: dotted path of the text field")->capture_default_str();
  app.add_option("--warmup", warmup, "unmeasured requests per client before the measured phase")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--timeout", timeout_s, "seconds a request may take to send or answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--api-key-file", api_key_file,
                 "file whose first line is serve's API key (sent as Authorization: Bearer)")
      ->check(CLI::ExistingFile);
  app.add_option("--ca-cert", client.ca_cert,
                 "https: PEM file of the CA (or self-signed certificate) to trust")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-tls", insecure_tls, "https: do not verify the server's certificate");
  app.add_flag("--json", json, "print the result as one JSON object");
  app.footer(
      "Examples:\n"
      "  loadgen --url http://127.0.0.1:8080/api --concurrency 1 --requests 2000\n"
      "  loadgen --url http://127.0.0.1:8080/api -c 8 --duration 10 --input data/generated/4class/test.csv");
  parse(app, argc, argv);

  serving::LoadPlan plan;
  plan.concurrency = concurrency;
  plan.requests = requests;
  plan.duration = std::chrono::milliseconds(static_cast<int64_t>(duration_s * 1000));
  if (duration_s > 0 && plan.duration.count() == 0) plan.duration = std::chrono::milliseconds(1);
  plan.warmup = warmup;
  if (!input_file.empty()) {
    inference::InputOptions options;
    options.format = inference::infer_input_format(input_file);
    options.column = column;
    options.field = field;
    options.on_error = inference::OnError::kFail;
    for (const auto& t : inference::parse_inputs(read_text_file(input_file), input_file, options).texts)
      texts.push_back(t.text);
    if (texts.empty()) throw InputError(input_file + ": no texts");
  }
  plan.bodies = serving::text_bodies(texts.empty() ? kDefaultTexts : texts);
  const auto target = serving::parse_http_url(url);
  serving::check_plan(plan);

  client.timeout = std::chrono::seconds(timeout_s);
  client.verify_tls = !insecure_tls;
  if (!api_key_file.empty()) client.api_key = serving::read_api_key(api_key_file);
  const auto result = serving::run_load(target, plan, client);
  if (json)
    std::cout << serving::result_json(result).dump() << "\n";
  else
    std::cout << serving::result_text(result, url);
  return result.failed() == 0 && result.succeeded > 0 ? 0 : 1;
}

}  // namespace attune::cli
