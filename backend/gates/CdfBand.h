#pragma once

#include <vector>

#include "gates/GateVerdict.h"

namespace fraudops::gates {

// A time-uniform band on a CDF (Howard & Ramdas): after t ≥ m observations the empirical CDF
// is within ε_t = 0.85 sqrt((log log(e t / m) + 0.8 log(1612 / α)) / t) of the true one at
// every t at once, with probability 1 − α. Before m observations it says nothing (1).
double cdfBandWidth(double observations, double alpha, double m = 1);

// The band on the p-quantile from a Prometheus histogram (cumulative counts at `upperEdges`,
// the last +inf), evaluated at the bucket edges: the quantile lies above every edge where the
// CDF's band stays under p, and at or below the first edge where it reaches p. So a p99 band
// is shown for information: about 90,000 observations are needed before its upper end is
// finite at α = 0.05.
ConfidenceInterval quantileBand(const std::vector<double>& upperEdges,
                                const std::vector<double>& cumulativeCounts, double p, double alpha,
                                double m = 1);

}  // namespace fraudops::gates
