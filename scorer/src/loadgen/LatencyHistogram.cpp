#include "loadgen/LatencyHistogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fraud {

int LatencyHistogram::bucketOf(std::int64_t micros) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(micros, 0));
    if (v < (1u << kSubBits))
        return static_cast<int>(v);                      // exact below 64 µs
    const int power = std::bit_width(v) - 1 - kSubBits;  // v >> power is in [64, 128)
    const int bucket =
        ((power + 1) << kSubBits) + static_cast<int>((v >> power) - (1u << kSubBits));
    return std::min(bucket, kBuckets - 1);
}

std::int64_t LatencyHistogram::upperBoundOf(int bucket) {
    if (bucket < (1 << kSubBits))
        return bucket;
    const int power = (bucket >> kSubBits) - 1;
    const std::int64_t mantissa = (bucket & ((1 << kSubBits) - 1)) + (1 << kSubBits);
    return ((mantissa + 1) << power) - 1;
}

void LatencyHistogram::record(std::int64_t nanos) {
    ++counts_[static_cast<std::size_t>(bucketOf(nanos / 1000))];
    ++count_;
    max_ = std::max(max_, nanos);
    sum_ += nanos;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

std::int64_t LatencyHistogram::percentile(double q) const {
    if (count_ == 0)
        return 0;
    const auto rank = static_cast<std::uint64_t>(
        std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (int b = 0; b < kBuckets; ++b) {
        seen += counts_[static_cast<std::size_t>(b)];
        if (seen >= std::max<std::uint64_t>(rank, 1)) {
            return std::min(max_, (upperBoundOf(b) + 1) * 1000 - 1);
        }
    }
    return max_;
}

}  // namespace fraud
