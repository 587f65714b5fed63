#include "models/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <type_traits>

#include "base/errors.h"
#include "models/fast_paths.h"

namespace attune::models {
namespace {

// splitmix64's increment (2^64 / golden ratio): word j of a stream is mix(seed + (j + 1) * kGamma).
constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;
// Words per parallel task (each word gives two elements); fixed, so the split never changes the values.
constexpr int64_t kWordsPerTask = 1 << 14;

// splitmix64's output function (Steele, Lea, Flood 2014); mask_vector computes it in 64-bit lanes.
constexpr uint64_t kMixMul1 = 0xBF58476D1CE4E5B9ULL, kMixMul2 = 0x94D049BB133111EBULL;
constexpr int kMixShift1 = 30, kMixShift2 = 27, kMixShift3 = 31;
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> kMixShift1)) * kMixMul1;
  z = (z ^ (z >> kMixShift2)) * kMixMul2;
  return z ^ (z >> kMixShift3);
}

// The keep decision of elements 2j and 2j+1: bit 0 and bit 1 of the result.
inline unsigned keep_pair(int64_t j, uint64_t seed, uint64_t keep_below) {
  const uint64_t w = mix(seed + static_cast<uint64_t>(j + 1) * kGamma);
  return static_cast<unsigned>((w & 0xFFFFFFFFULL) < keep_below) |
         (static_cast<unsigned>((w >> 32) < keep_below) << 1);
}

template <typename T>
void fill_mask(T* out, int64_t n, uint64_t seed, uint64_t keep_below, T scale) {
  const int64_t words = (n + 1) / 2;
  at::parallel_for(0, words, kWordsPerTask, [&](int64_t begin, int64_t end) {
    const T values[2] = {T(0), scale};
    for (int64_t j = begin; j < end; ++j) {
      const unsigned k = keep_pair(j, seed, keep_below);
      const int64_t i = 2 * j;
      out[i] = values[k & 1];
      if (i + 1 < n) out[i + 1] = values[k >> 1];
    }
  });
}

// AVX-512 (F, DQ, BW, BMI2) versions of multiply_mask's inner loop for fp32 and bf16: 16 elements (8 splitmix
// words, 64-bit lanes) per iteration, the same mask and the same rounded products as the scalar loop.
// Returns the number of elements done (a multiple of 16 counted from i0 = 2 · j0); the caller finishes.
#if defined(__x86_64__) && defined(__GNUC__)
#define ATTUNE_DROPOUT_AVX512 1
__attribute__((target("avx512f,avx512dq,avx512bw,bmi2"))) inline __m512 mask_vector(int64_t j, uint64_t seed,
                                                                                    uint64_t keep_below,
                                                                                    __m512 scale) {
  const __m512i lane = _mm512_set_epi64(8, 7, 6, 5, 4, 3, 2, 1);
  __m512i z = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(seed)),
                               _mm512_mullo_epi64(_mm512_add_epi64(_mm512_set1_epi64(j), lane),
                                                  _mm512_set1_epi64(static_cast<long long>(kGamma))));
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, kMixShift1)),
                         _mm512_set1_epi64(static_cast<long long>(kMixMul1)));
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, kMixShift2)),
                         _mm512_set1_epi64(static_cast<long long>(kMixMul2)));
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, kMixShift3));
  const __m512i below = _mm512_set1_epi64(static_cast<long long>(keep_below));
  const unsigned lo = _mm512_cmplt_epu64_mask(_mm512_and_si512(z, _mm512_set1_epi64(0xFFFFFFFFLL)), below);
  const unsigned hi = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(z, 32), below);
  // Element 2t is word t's low half, element 2t+1 its high half.
  const auto keep = static_cast<__mmask16>(_pdep_u32(lo, 0x5555u) | _pdep_u32(hi, 0xAAAAu));
  return _mm512_maskz_mov_ps(keep, scale);
}

__attribute__((target("avx512f,avx512dq,avx512bw,bmi2"))) int64_t multiply_mask_avx512(
    const float* x, float* out, int64_t j0, int64_t j1, uint64_t seed, uint64_t keep_below, float scale) {
  const __m512 s = _mm512_set1_ps(scale);
  int64_t j = j0;
  for (; j + 8 <= j1; j += 8) {
    const int64_t i = 2 * j;
    _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), mask_vector(j, seed, keep_below, s)));
  }
  return 2 * (j - j0);
}

__attribute__((target("avx512f,avx512dq,avx512bw,bmi2"))) int64_t multiply_mask_avx512(
    const c10::BFloat16* x, c10::BFloat16* out, int64_t j0, int64_t j1, uint64_t seed, uint64_t keep_below,
    c10::BFloat16 scale) {
  const __m512 s = _mm512_set1_ps(static_cast<float>(scale));
  const __m512i bias = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1),
                qnan = _mm512_set1_epi32(0x7FC0);
  int64_t j = j0;
  for (; j + 8 <= j1; j += 8) {
    const int64_t i = 2 * j;
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m512 v = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
    const __m512 prod = _mm512_mul_ps(v, mask_vector(j, seed, keep_below, s));
    // Round to nearest even, NaN to 0x7FC0: c10::BFloat16's rounding.
    const __m512i u = _mm512_castps_si512(prod);
    __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, bias), _mm512_and_si512(_mm512_srli_epi32(u, 16), one)), 16);
    r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(prod, prod, _CMP_UNORD_Q), qnan);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtepi32_epi16(r));
  }
  return 2 * (j - j0);
}

bool have_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2");
  return yes;
}
#endif

// out[i] = x[i] * mask[i] in one pass, with exactly fill_mask's mask and T's multiply (what `x * mask`
// computes: x · scale rounded to T, or x · 0), without materializing the mask. x and out contiguous, n
// elements; out may be x. fp32 and bf16 take the AVX-512 loop where the CPU has it.
template <typename T>
void multiply_mask(const T* x, T* out, int64_t n, uint64_t seed, uint64_t keep_below, T scale) {
  const int64_t words = (n + 1) / 2;
  at::parallel_for(0, words, kWordsPerTask, [&](int64_t begin, int64_t end) {
    const T values[2] = {T(0), scale};
    int64_t j = begin;
#ifdef ATTUNE_DROPOUT_AVX512
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, c10::BFloat16>) {
      // Whole words only: the last word of an odd n has one element.
      const int64_t full_end = std::min(end, n / 2);
      if (have_avx512()) j += multiply_mask_avx512(x, out, begin, full_end, seed, keep_below, scale) / 2;
    }
#endif
    for (; j < end; ++j) {
      const unsigned k = keep_pair(j, seed, keep_below);
      out[2 * j] = static_cast<T>(x[2 * j] * values[k & 1]);
      if (2 * j + 1 < n) out[2 * j + 1] = static_cast<T>(x[2 * j + 1] * values[k >> 1]);
    }
  });
}

uint64_t keep_threshold(double p) {
  // An element is kept when its 32-bit draw u satisfies u < keep · 2^32.
  return static_cast<uint64_t>(std::ldexp(1.0 - p, 32));
}

// x * dropout_mask(x.sizes(), p, seed, x's dtype), as a new contiguous tensor (or into x when in_place and x
// is contiguous). p in (0, 1).
torch::Tensor masked(const torch::Tensor& x, double p, uint64_t seed, bool in_place = false) {
  const auto src = x.contiguous();
  auto out = in_place && src.is_same(x) ? x : torch::empty_like(src, at::MemoryFormat::Contiguous);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, src.scalar_type(), "dropout_multiply", [&] {
    multiply_mask<scalar_t>(src.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), src.numel(), seed,
                            keep_threshold(p), static_cast<scalar_t>(1.0 / (1.0 - p)));
  });
  return out;
}

// Autograd's view of x * mask: the backward regenerates the mask from (seed, p) instead of keeping it.
struct SeededDropout : torch::autograd::Function<SeededDropout> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double p,
                               int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return masked(x, p, static_cast<uint64_t>(seed));
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    return {masked(grads[0], ctx->saved_data["p"].toDouble(), seed), torch::Tensor(), torch::Tensor()};
  }
};

// linear(x * mask, w) that keeps x (typically kept alive by its other consumers anyway) instead of the
// dropped copy and the mask; the backward recomputes x * mask. x [..., in], w [out, in], same dtype.
struct SeededDropoutLinear : torch::autograd::Function<SeededDropoutLinear> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w, double p, int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    ctx->save_for_backward({x, w});
    return torch::linear(masked(x, p, static_cast<uint64_t>(seed)), w);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const double p = ctx->saved_data["p"].toDouble();
    const auto seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const auto g = grads[0].to(w.scalar_type());  // [..., out]
    torch::Tensor grad_x, grad_w;
    if (ctx->needs_input_grad(0)) grad_x = masked(torch::matmul(g, w), p, seed, /*in_place=*/true);
    if (ctx->needs_input_grad(1))
      // As autograd's mm backward computes it, (x_droppedᵀ g)ᵀ: a [in, M] × [M, out] product (the
      // transposed [out, M] × [M, in] one is several times slower in oneDNN's bf16 path at out = r).
      grad_w = torch::mm(masked(x, p, seed).reshape({-1, w.size(1)}).t(), g.reshape({-1, w.size(0)})).t();
    return {grad_x, grad_w, torch::Tensor(), torch::Tensor()};
  }
};

void check_p(double p) {
  if (!(p >= 0.0 && p <= 1.0))
    throw InputError("dropout probability " + std::to_string(p) + " is outside [0, 1]");
}

}  // namespace

torch::Tensor dropout_mask(at::IntArrayRef sizes, double p, uint64_t seed, torch::ScalarType dtype) {
  if (!(p >= 0.0 && p < 1.0))
    throw InputError("dropout_mask: probability " + std::to_string(p) + " is outside [0, 1)");
  auto mask = torch::empty(sizes, torch::TensorOptions().dtype(dtype));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, dtype, "dropout_mask", [&] {
    fill_mask<scalar_t>(mask.data_ptr<scalar_t>(), mask.numel(), seed, keep_threshold(p),
                        static_cast<scalar_t>(1.0 / (1.0 - p)));
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
  if (!fast_paths().fast_dropout) return torch::dropout(x, p, /*train=*/true);
  if (p == 1.0) return x * 0;
  const auto seed = static_cast<int64_t>(draw_dropout_seed());
  if (!x.device().is_cpu())
    return x * dropout_mask(x.sizes(), p, static_cast<uint64_t>(seed), x.scalar_type()).to(x.device());
  return SeededDropout::apply(x, p, seed);
}

torch::Tensor dropout_linear(const torch::Tensor& x, const torch::Tensor& weight, double p, bool training) {
  check_p(p);
  if (!training || p == 0.0 || !fast_paths().fast_dropout || p == 1.0 || !x.device().is_cpu() ||
      x.scalar_type() != weight.scalar_type())
    return torch::linear(fast_dropout(x, p, training), weight);
  return SeededDropoutLinear::apply(x, weight, p, static_cast<int64_t>(draw_dropout_seed()));
}

FastDropoutImpl::FastDropoutImpl(double p_) : p(p_) {
  check_p(p);
}

torch::Tensor FastDropoutImpl::forward(const torch::Tensor& x) {
  return fast_dropout(x, p, is_training());
}

}  // namespace attune::models
