#pragma once

#include <array>

namespace fraud {

// The upper edges of the scorer's request-latency histogram (seconds), 10 µs to 1 s on a
// 1-2-5 scale, plus +Inf. Shared by the scorer that exports it and the release tools that read
// it bucket by bucket, so both agree which bucket is which. 2 ms, the latency SLO, is an edge.
inline constexpr std::array<double, 16> kRequestLatencyEdges{
    1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};

}  // namespace fraud
