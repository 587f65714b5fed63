#include "models/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <string>

#include "data/errors.h"

namespace attune::models {
namespace {

// splitmix64's increment (2^64 / golden ratio): word j of a stream is mix(seed + (j + 1) * kGamma).
constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
// Words per parallel task (each word gives two elements); fixed, so the split never changes the values.
constexpr int64_t kWordsPerTask = 1 << 14;

// splitmix64's output function (Steele, Lea, Flood 2014).
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

template <typename T>
void fill_mask(T* out, int64_t n, uint64_t seed, uint64_t keep_below, T scale) {
  const int64_t words = (n + 1) / 2;
  at::parallel_for(0, words, kWordsPerTask, [&](int64_t begin, int64_t end) {
    const T values[2] = {T(0), scale};
    for (int64_t j = begin; j < end; ++j) {
      const uint64_t w = mix(seed + static_cast<uint64_t>(j + 1) * kGamma);
      const int64_t i = 2 * j;
      out[i] = values[(w & 0xFFFFFFFFULL) < keep_below];
      if (i + 1 < n) out[i + 1] = values[(w >> 32) < keep_below];
    }
  });
}

void check_p(double p) {
  if (!(p >= 0.0 && p <= 1.0))
    throw InputError("dropout probability " + std::to_string(p) + " is outside [0, 1]");
}

std::atomic<bool> g_fast_dropout{true};

}  // namespace

void set_fast_dropout(bool enabled) {
  g_fast_dropout = enabled;
}
bool fast_dropout_enabled() {
  return g_fast_dropout;
}

torch::Tensor dropout_mask(at::IntArrayRef sizes, double p, uint64_t seed, torch::ScalarType dtype) {
  if (!(p >= 0.0 && p < 1.0))
    throw InputError("dropout_mask: probability " + std::to_string(p) + " is outside [0, 1)");
  const double keep = 1.0 - p;
  // An element is kept when its 32-bit draw u satisfies u < keep · 2^32.
  const auto keep_below = static_cast<uint64_t>(std::ldexp(keep, 32));
  auto mask = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, dtype, "dropout_mask", [&] {
    fill_mask<scalar_t>(mask.data_ptr<scalar_t>(), mask.numel(), seed, keep_below,
                        static_cast<scalar_t>(1.0 / keep));
  });
  return mask;
}

uint64_t draw_dropout_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
}

torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training) {
  check_p(p);
  if (!training || p == 0.0) return x;
  if (!g_fast_dropout) return torch::dropout(x, p, /*train=*/true);
  if (p == 1.0) return x * 0;
  return x * dropout_mask(x.sizes(), p, draw_dropout_seed(), x.scalar_type()).to(x.device());
}

FastDropoutImpl::FastDropoutImpl(double p_) : p(p_) {
  check_p(p);
}

torch::Tensor FastDropoutImpl::forward(const torch::Tensor& x) {
  return fast_dropout(x, p, is_training());
}

}  // namespace attune::models
