// The process's resident memory as the kernel reports it: the peak (VmHWM) that run summaries and the
// benchmark record, and resetting that peak between benchmark phases.
#pragma once

#include <string>

namespace attune {

// The process's peak resident set (VmHWM) in MiB; 0 where /proc is not readable.
double peak_rss_mib();

// Resets the peak to the current RSS (Linux clear_refs) after handing freed memory back to the kernel
// (jemalloc's arenas purged, glibc's heap trimmed); false when the kernel does not allow the reset.
bool reset_peak_rss();

// The malloc this process runs on, found at run time: "jemalloc 5.3.0-0-g54eaed1d8b56 (dirty_decay_ms -1,
// muzzy_decay_ms -1)" where the executable links jemalloc (tools/cli/allocator.cpp), else "glibc malloc".
std::string allocator_description();

}  // namespace attune
