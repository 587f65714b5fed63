// The process's resident memory as the kernel reports it: the peak (VmHWM) that run summaries and the
// benchmark record, and resetting that peak between benchmark phases.
#pragma once

namespace attune::trainer {

// The process's peak resident set (VmHWM) in MiB; 0 where /proc is not readable.
double peak_rss_mib();

// Resets the peak to the current RSS (Linux clear_refs); false when the kernel does not allow it.
bool reset_peak_rss();

}  // namespace attune::trainer
