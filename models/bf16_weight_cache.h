// The bf16 copies a Linear multiplies by under bf16 autocast, made once and reused until what they were made
// from changes, instead of autocast casting the fp32 weight anew on every forward (its own cast cache keeps
// only leaves that require grad). One Linear owns one cache (models/linear.h decides when to use it):
// - the bf16 weight, optionally with an adapter's delta folded in (bf16(W + D), what a merged copy of the
//   layer would cast), keyed on the weight's and the adapter's SourceStamps and the adapter's fold_key();
// - the bf16 bias;
// - both packed for oneDNN (PackedBf16Linear), for inference; the plain weight copy is then dropped.
// Each copy has a generation, a number unique in the process, so FusedLinears can tell when a stack it built
// from several layers' copies is stale. Copies are replaced, never updated in place. Thread-safe: concurrent
// requests share a model.
#pragma once

#include <torch/torch.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "models/packed_linear.h"

namespace attune::models {

struct LinearAdapter;  // models/linear.h

// What a cached copy was made from: the tensor's storage (held, so it cannot be freed and its address
// reused while the copy lives), data pointer, version counter and shape. The copy is current while the
// tensor still has all four: an in-place update moves the version, a replaced tensor (set_data, a
// loaded state dict) the storage.
class SourceStamp {
 public:
  SourceStamp() = default;
  explicit SourceStamp(const torch::Tensor& t);
  bool matches(const torch::Tensor& t) const;

 private:
  c10::Storage storage_;
  const void* data_ = nullptr;
  int64_t version_ = -1;
  std::vector<int64_t> sizes_;
};

class Bf16WeightCache {
 public:
  // `weight` [out, in] and `bias` [out] (undefined: none) are the owning Linear's parameters, read at each
  // call (they may be updated in place or replaced).
  Bf16WeightCache(const torch::Tensor& weight, const torch::Tensor& bias) : weight_(weight), bias_(bias) {}
  Bf16WeightCache(const Bf16WeightCache&) = delete;
  Bf16WeightCache& operator=(const Bf16WeightCache&) = delete;

  // bf16(weight), or with `fold` bf16(W + fold->weight_delta()) computed as peft::merge_lora computes it
  // (fp32 sum, weight's dtype, then autocast's cast). One copy is kept: the last one asked for.
  torch::Tensor weight(const LinearAdapter* fold);

  // bf16(bias); undefined without one.
  torch::Tensor bias();

  // {weight generation, bias generation}: identifies the values weight(fold) and bias() stand for right
  // now, without making either; it changes whenever one of them changes.
  std::array<uint64_t, 2> version(const LinearAdapter* fold);

  // weight(fold) and bias() packed for oneDNN, kept until either changes. The plain weight copy it was
  // packed from is dropped (made again when asked for), so inference holds one bf16 copy.
  std::shared_ptr<const PackedBf16Linear> packed(const LinearAdapter* fold);

  // Drops the plain bf16 weight copy (FusedLinears does, once it has packed it into its stack).
  void release_weight();
  // Drops the packed copy; costs one atomic load when there is none (the Linear calls it on every training
  // forward).
  void release_packed();

 private:
  // With mutex_ held: checks the stamps of the weight copy (folded with `fold` or not) and of the bias
  // copy, and drops what they no longer match, starting a new generation.
  void refresh_weight_stamps(const LinearAdapter* fold);
  void refresh_bias();
  torch::Tensor plain_weight(const LinearAdapter* fold);

  const torch::Tensor& weight_;
  const torch::Tensor& bias_;

  std::mutex mutex_;
  torch::Tensor bf16_weight_;  // [out, in] bf16 copy of weight (+ the folded adapter's delta); may be dropped
  SourceStamp weight_stamp_;   // the weight the copies were made from
  bool folded_ = false;
  std::vector<SourceStamp> fold_input_stamps_;  // the folded adapter's fold_inputs()
  std::vector<uint64_t> fold_key_;              // and its fold_key()
  uint64_t weight_generation_ = 0;              // changes with the stamps above (0: none yet)
  torch::Tensor bf16_bias_;                     // [out] bf16 copy of bias
  SourceStamp bias_stamp_;
  uint64_t bias_generation_ = 0;
  std::shared_ptr<const PackedBf16Linear> packed_;  // made from generations packed_generations_
  std::array<uint64_t, 2> packed_generations_{};    // {weight, bias}
  std::atomic<bool> has_packed_{false};
};

}  // namespace attune::models
