// libFuzzer target: the safetensors header validator must reject any malformed image with InputError,
// never crash or read outside the buffer, and every tensor it accepts must lie inside the data section.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/errors.h"
#include "models/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A private copy of exactly `size` bytes so AddressSanitizer flags any read past the end.
  std::vector<uint8_t> image(data, data + size);
  try {
    const auto h = attune::models::parse_safetensors_header(image.data(), image.size(), "fuzz.safetensors");
    const uint64_t data_start = 8 + h.header_bytes;
    volatile uint8_t sink = 0;
    for (const auto& [name, e] : h.entries) {
      if (e.end > image.size() - data_start || e.begin > e.end)
        std::abort();  // accepted out-of-range offsets
      for (uint64_t i = e.begin; i < e.end; ++i) sink ^= image[data_start + i];
    }
    (void)sink;
  } catch (const attune::InputError&) {
  }
  return 0;
}
