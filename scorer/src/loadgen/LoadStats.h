#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/GrpcCodes.h"
#include "loadgen/LatencyHistogram.h"

namespace fraud {

// What one phase of a run (warm-up, measurement) observed: latencies and outcomes by gRPC
// status code. Thread-safe: completions are recorded from gRPC's threads.
class LoadStats {
public:
    static constexpr std::size_t kCodes = kGrpcCodeCount;

    void record(std::int64_t latencyNanos, int code);
    void markStart(std::int64_t nanos);
    void markEnd(std::int64_t nanos);

    struct Snapshot {
        LatencyHistogram latency;
        // The calls answered OK alone: under overload the refusals, answered at once, would
        // otherwise hide how long the admitted calls took.
        LatencyHistogram okLatency;
        std::array<std::uint64_t, kCodes> codes{};
        std::uint64_t completed = 0;
        double seconds = 0;
        nlohmann::json toJson() const;
    };
    Snapshot snapshot() const;
    // The latencies since the previous call, for a progress line.
    Snapshot takeInterval();

private:
    mutable std::mutex mutex_;
    LatencyHistogram latency_;
    LatencyHistogram okLatency_;
    LatencyHistogram interval_;
    std::array<std::uint64_t, kCodes> codes_{};
    std::array<std::uint64_t, kCodes> intervalCodes_{};
    std::int64_t start_ = 0;
    std::int64_t end_ = 0;
};

}  // namespace fraud
