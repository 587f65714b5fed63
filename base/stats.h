// The one percentile definition of the project, so that "p50" and "p99" mean the same in every figure it
// reports (bench's timings, loadgen's latencies).
#pragma once

#include <vector>

namespace attune {

// Percentile q in [0, 100] with linear interpolation between order statistics (numpy.percentile's
// default): the value at position q / 100 × (n − 1) of the sorted values, between its two neighbours.
// Throws std::invalid_argument for no values or q outside [0, 100].
double percentile(std::vector<double> values, double q);

}  // namespace attune
