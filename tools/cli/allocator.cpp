// Every libtorch tool runs on jemalloc (linked in tools/CMakeLists.txt), configured here. Measured on
// roberta-base LoRA training (docs/performance.md): glibc's malloc kept ~600 MiB of freed activations
// resident between steps (peak RSS 2,075 MiB against ~1,456 MiB live) and returning them made every step
// fault its pages in again (2.5x slower); jemalloc reuses them with little fragmentation. Decay is off so
// that freed pages stay mapped for the next step instead of being purged and faulted in again
// (background purging cost ~20 % of training speed), and no background thread competes for the 2 cores.
// jemalloc reads this symbol at start-up; MALLOC_CONF in the environment still applies on top.
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks up.
const char* malloc_conf = "background_thread:false,dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
