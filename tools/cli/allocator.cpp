// Every libtorch tool runs on jemalloc (linked in tools/CMakeLists.txt), configured here. In training,
// glibc's malloc either keeps freed activations resident between steps (a high peak RSS) or returns them
// so that every step faults its pages in again; jemalloc reuses them with little fragmentation. Decay is
// off so that freed pages stay mapped for the next step instead of being purged and faulted in again, and
// no background thread competes for the cores (figures: docs/performance.md, allocator).
// The long-running services (serve, and predict/evaluate/loadgen beside it) are built with
// ATTUNE_ALLOCATOR_RETURNS_MEMORY: there a request that once needed much memory (a large batch, a hostile
// body) must not keep it resident for the life of the process, so freed pages go back to the system after
// a second (jemalloc's decay, purged as allocations go on, still without a background thread).
// jemalloc reads this symbol at start-up; MALLOC_CONF in the environment still applies on top.
extern "C" {
#ifdef ATTUNE_ALLOCATOR_RETURNS_MEMORY
// NOLINTNEXTLINE: the name jemalloc looks up.
const char* malloc_conf = "background_thread:false,dirty_decay_ms:1000,muzzy_decay_ms:0";
#else
// NOLINTNEXTLINE: the name jemalloc looks up.
const char* malloc_conf = "background_thread:false,dirty_decay_ms:-1,muzzy_decay_ms:-1";
#endif
}
