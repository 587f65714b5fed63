// libFuzzer target: the YAML training config (trainer/config.h). Any text is either a Config or an
// InputError (never a yaml-cpp exception or a crash), and an accepted config survives
// to_yaml -> parse_config unchanged, as config.h promises.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/errors.h"
#include "trainer/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  attune::trainer::Config config;
  try {
    config = attune::trainer::parse_config(yaml, "fuzz.yaml");
  } catch (const attune::InputError&) {
    return 0;
  }
  const std::string once = attune::trainer::to_yaml(config);
  attune::trainer::Config again;
  try {
    again = attune::trainer::parse_config(once, "fuzz.yaml");
  } catch (const attune::InputError& e) {
    std::fprintf(stderr, "the resolved config does not read back: %s\n---\n%s", e.what(), once.c_str());
    std::abort();
  }
  const std::string twice = attune::trainer::to_yaml(again);
  if (once != twice) {
    std::fprintf(stderr, "to_yaml is not stable:\n---\n%s---\n%s", once.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}
