// bf16 mixed precision on CPU: HF/torch's `torch.autocast("cpu", dtype=torch.bfloat16)` as an RAII scope.
#pragma once

#include <ATen/autocast_mode.h>

namespace attune::models {

// x in CPU autocast's lower-precision dtype when autocast is on and x is fp32 (exactly the cast autocast
// makes at the next linear/matmul), else x itself. Cast once where one tensor feeds several Linears (Q/K/V, a
// base Linear and its LoRA input): autocast would cast it again for every consumer, forward and backward.
inline at::Tensor autocast_input(const at::Tensor& x) {
  if (at::autocast::is_cpu_enabled() && x.scalar_type() == at::kFloat && x.device().is_cpu())
    return x.to(at::autocast::get_autocast_cpu_dtype());
  return x;
}

// While alive, CPU ops on the autocast list (linear, matmul, ...) run in bf16; the previous state is
// restored (and the cast cache cleared) on exit. Parameters stay fp32.
class CpuAutocast {
 public:
  explicit CpuAutocast(bool enabled = true)
      : prev_enabled_(at::autocast::is_cpu_enabled()), prev_dtype_(at::autocast::get_autocast_cpu_dtype()) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~CpuAutocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(prev_enabled_);
    at::autocast::set_autocast_cpu_dtype(prev_dtype_);
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool prev_enabled_;
  at::ScalarType prev_dtype_;
};

}  // namespace attune::models
