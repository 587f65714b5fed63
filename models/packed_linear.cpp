#include "models/packed_linear.h"

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>

#include "models/activations.h"
#include "models/fast_paths.h"

namespace attune::models {

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

std::atomic<uint64_t> g_products{0};

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN's CPU stream runs each primitive to completion on the calling thread (and its OpenMP team); one per
// thread keeps concurrent requests (serve) apart.
dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

// The post-op for a HF activation name (models/activations.h); nullopt: none (""), or not supported.
std::optional<dnnl::algorithm> activation_algorithm(const std::string& act, float* alpha) {
  *alpha = 0.f;
  const auto kind = find_activation(act);
  if (!kind) return std::nullopt;
  switch (*kind) {
    case ActivationKind::kGeluErf:
      return dnnl::algorithm::eltwise_gelu_erf;
    case ActivationKind::kGeluTanh:
      return dnnl::algorithm::eltwise_gelu_tanh;
    case ActivationKind::kRelu:
      return dnnl::algorithm::eltwise_relu;
    case ActivationKind::kTanh:
      return dnnl::algorithm::eltwise_tanh;
    case ActivationKind::kSilu:
      *alpha = 1.f;  // x * sigmoid(alpha x)
      return dnnl::algorithm::eltwise_swish;
  }
  return std::nullopt;
}

// The product's descriptor for M rows; `weights`: the packed layout (or tag::any to ask for one).
dnnl::matmul::primitive_desc product_desc(int64_t M, int64_t K, int64_t N, const memory::desc& weights,
                                          bool bias, const std::string& act) {
  const memory::desc src({M, K}, dt::bf16, tag::ab), dst({M, N}, dt::bf16, tag::ab);
  dnnl::primitive_attr attr;
  float alpha = 0.f;
  if (const auto alg = activation_algorithm(act, &alpha)) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, *alg, alpha, 0.f);
    attr.set_post_ops(ops);
  } else if (!act.empty()) {
    throw std::invalid_argument("activation \"" + act + "\" cannot run inside a packed product");
  }
  const auto desc = bias ? dnnl::matmul::desc(src, weights, memory::desc({1, N}, dt::bf16, tag::ab), dst)
                         : dnnl::matmul::desc(src, weights, dst);
  return dnnl::matmul::primitive_desc(desc, attr, cpu_engine());
}

// Rows the layout is asked for with: the layout does not depend on M for the shapes tried here (1..1000
// rows of roberta-base's products), and a product for other M is made with this layout given explicitly.
constexpr int64_t kLayoutRows = 32;

// Products made so far, by shape: a primitive does not hold its weights, so layers of one shape share it.
// Making one costs more than running it once for a request (docs/performance.md, "Inference products"), so
// it is paid once per (rows, shape) in a process.
class ProductCache {
 public:
  dnnl::matmul get(int64_t M, int64_t K, int64_t N, const memory::desc& weights, bool bias,
                   const std::string& act) {
    const auto key = std::make_tuple(M, K, N, bias, act);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.weights == weights) return it->second.product;
    Entry entry{weights, dnnl::matmul(product_desc(M, K, N, weights, bias, act))};
    if (it != cache_.end())
      it->second = entry;
    else
      cache_.emplace(key, entry);
    return entry.product;
  }

 private:
  struct Entry {
    memory::desc weights;
    dnnl::matmul product;
  };
  std::mutex mutex_;
  std::map<std::tuple<int64_t, int64_t, int64_t, bool, std::string>, Entry> cache_;
};

ProductCache& product_cache() {
  static ProductCache cache;
  return cache;
}

}  // namespace

bool packed_linears_native() {
  static const bool native = [] {
    try {
      const std::string impl =
          product_desc(kLayoutRows, 64, 64, memory::desc({64, 64}, dt::bf16, tag::any), true, "")
              .impl_info_str();
      return impl.find("bf16") != std::string::npos || impl.find("amx") != std::string::npos;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return native;
}

bool packed_linears_in_use() {
  return fast_paths().packed_linears && packed_linears_native();
}

uint64_t packed_products_count() {
  return g_products;
}

bool packed_activation_supported(const std::string& act) {
  float alpha = 0.f;
  return activation_algorithm(act, &alpha).has_value();
}

struct PackedBf16Linear::State {
  memory::desc layout;
  torch::Tensor packed;  // bytes in `layout`
  torch::Tensor bias;    // [1, out] bf16, contiguous; undefined: none
};

PackedBf16Linear::PackedBf16Linear(const torch::Tensor& weight, const torch::Tensor& bias) {
  if (weight.dim() != 2 || weight.scalar_type() != torch::kBFloat16 || !weight.device().is_cpu())
    throw std::invalid_argument("PackedBf16Linear: the weight must be a [out, in] bf16 CPU tensor");
  out_ = weight.size(0);
  in_ = weight.size(1);
  if (bias.defined() && (bias.scalar_type() != torch::kBFloat16 || bias.numel() != out_))
    throw std::invalid_argument("PackedBf16Linear: the bias must be a [out] bf16 tensor");
  auto state = std::make_shared<State>();
  torch::NoGradGuard no_grad;
  const auto w = weight.contiguous();  // [out, in] row-major: the [in, out] matrix in column-major (ba)
  state->layout =
      product_desc(kLayoutRows, in_, out_, memory::desc({in_, out_}, dt::bf16, tag::any), bias.defined(), "")
          .weights_desc();
  state->packed = torch::empty({static_cast<int64_t>(state->layout.get_size())}, torch::kUInt8);
  memory plain(memory::desc({in_, out_}, dt::bf16, tag::ba), cpu_engine(), w.data_ptr());
  memory packed(state->layout, cpu_engine(), state->packed.data_ptr());
  auto& stream = thread_stream();
  dnnl::reorder(plain, packed).execute(stream, plain, packed);
  stream.wait();
  if (bias.defined()) state->bias = bias.reshape({1, out_}).clone(at::MemoryFormat::Contiguous);
  state_ = std::move(state);
}

torch::Tensor PackedBf16Linear::forward(const torch::Tensor& x, const std::string& act) const {
  if (x.scalar_type() != torch::kBFloat16 || x.size(-1) != in_)
    throw std::invalid_argument("PackedBf16Linear: expected a bf16 input with " + std::to_string(in_) +
                                " features");
  auto out_sizes = x.sizes().vec();
  out_sizes.back() = out_;
  const auto rows = x.reshape({-1, in_}).contiguous();
  const int64_t M = rows.size(0);
  auto y = torch::empty({M, out_}, x.options());
  if (M == 0) return y.view(out_sizes);
  const auto& s = *state_;
  auto product = product_cache().get(M, in_, out_, s.layout, s.bias.defined(), act);
  const auto& engine = cpu_engine();
  memory src(memory::desc({M, in_}, dt::bf16, tag::ab), engine, rows.data_ptr());
  memory dst(memory::desc({M, out_}, dt::bf16, tag::ab), engine, y.data_ptr());
  memory weights(s.layout, engine, s.packed.data_ptr());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
  if (s.bias.defined())
    args.emplace(DNNL_ARG_BIAS,
                 memory(memory::desc({1, out_}, dt::bf16, tag::ab), engine, s.bias.data_ptr()));
  at::internal::lazy_init_num_threads();  // this thread's OpenMP team size is torch's intra-op threads
  auto& stream = thread_stream();
  product.execute(stream, args);
  stream.wait();
  ++g_products;
  return y.view(out_sizes);
}

}  // namespace attune::models
