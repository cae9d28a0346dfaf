#pragma once

#include <array>
#include <cstdint>

namespace fraud {

// Latencies from 1 µs to about 70 minutes in log-linear buckets (64 per power of two, so a
// percentile is off by at most 1/64 = 1.6 %), as HdrHistogram does: fixed memory, O(1)
// recording, mergeable. Values are nanoseconds.
class LatencyHistogram {
public:
    void record(std::int64_t nanos);
    void merge(const LatencyHistogram& other);
    void clear() { *this = LatencyHistogram{}; }

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }
    double mean() const {
        return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
    }
    // The smallest recorded value v such that a fraction q of the values are <= v (the
    // bucket's upper bound), in nanoseconds; 0 when empty.
    std::int64_t percentile(double q) const;

private:
    static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
    static constexpr int kPowers = 32;  // 2^32 µs: about 71 minutes
    static constexpr int kBuckets = (kPowers + 1) << kSubBits;
    static int bucketOf(std::int64_t micros);
    static std::int64_t upperBoundOf(int bucket);  // in microseconds

    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
    std::int64_t sum_ = 0;
};

}  // namespace fraud
