// libFuzzer target: parse_hf_config must reject any malformed config.json with InputError, and a config
// it accepts must survive to_json -> parse -> to_json unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "models/hf_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    const auto config = attune::models::parse_hf_config(j, "fuzz/config.json");
    const auto once = attune::models::to_json(config);
    const auto twice = attune::models::to_json(attune::models::parse_hf_config(once, "fuzz/rewritten.json"));
    if (once != twice) {  // the writer and the reader disagree
      std::fprintf(stderr, "to_json is not stable: %s\n", nlohmann::json::diff(once, twice).dump().c_str());
      std::abort();
    }
  } catch (const attune::InputError&) {
  }
  return 0;
}
