// oneDNN keeps every primitive it creates, scratchpad and all, in one LRU cache (1024 entries unless
// ONEDNN_PRIMITIVE_CACHE_CAPACITY says otherwise), read once, at its first use. Masked-LM pretraining asks
// for a new GEMM shape almost every step (the number of masked positions varies by batch), so with the
// default the cache only grows until it holds ~1024 primitives per kind, many GiB of them; re-creating a
// primitive is cheap beside a step (figures: docs/performance.md, "oneDNN's primitive cache").
#pragma once

namespace attune::cli {

// The capacity pretrain sets.
constexpr const char* kPretrainPrimitiveCacheCapacity = "32";

// Sets ONEDNN_PRIMITIVE_CACHE_CAPACITY to `capacity` unless the environment already names one. Call it
// before any tensor work.
void bound_onednn_primitive_cache(const char* capacity);

}  // namespace attune::cli
