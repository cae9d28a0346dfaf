#include "loadgen/LoadStats.h"

#include <numeric>

namespace fraud {
namespace {
constexpr std::size_t kResourceExhausted = 8;  // gRPC's number: the scorer's overload refusal
}  // namespace

void LoadStats::record(std::int64_t latencyNanos, int code) {
    const auto c = static_cast<std::size_t>(code) < kCodes ? static_cast<std::size_t>(code) : 2;
    std::lock_guard lock(mutex_);
    latency_.record(latencyNanos);
    if (c == 0)
        okLatency_.record(latencyNanos);
    interval_.record(latencyNanos);
    ++codes_[c];
    ++intervalCodes_[c];
}

void LoadStats::markStart(std::int64_t nanos) {
    std::lock_guard lock(mutex_);
    start_ = nanos;
}

void LoadStats::markEnd(std::int64_t nanos) {
    std::lock_guard lock(mutex_);
    end_ = nanos;
}

LoadStats::Snapshot LoadStats::snapshot() const {
    std::lock_guard lock(mutex_);
    Snapshot s;
    s.latency = latency_;
    s.okLatency = okLatency_;
    s.codes = codes_;
    s.completed = std::accumulate(codes_.begin(), codes_.end(), std::uint64_t{0});
    s.seconds = static_cast<double>(end_ - start_) / 1e9;
    return s;
}

LoadStats::Snapshot LoadStats::takeInterval() {
    std::lock_guard lock(mutex_);
    Snapshot s;
    s.latency = interval_;
    s.codes = intervalCodes_;
    s.completed = std::accumulate(intervalCodes_.begin(), intervalCodes_.end(), std::uint64_t{0});
    interval_.clear();
    intervalCodes_.fill(0);
    return s;
}

nlohmann::json LoadStats::Snapshot::toJson() const {
    nlohmann::json codesJson = nlohmann::json::object();
    for (std::size_t c = 0; c < kCodes; ++c) {
        if (codes[c])
            codesJson[std::string(grpcCodeName(static_cast<int>(c)))] = codes[c];
    }
    const auto percentiles = [](const LatencyHistogram& h) {
        const auto ms = [&](double q) { return static_cast<double>(h.percentile(q)) / 1e6; };
        return nlohmann::json{{"p50", ms(0.5)},
                              {"p90", ms(0.9)},
                              {"p99", ms(0.99)},
                              {"p99.9", ms(0.999)},
                              {"max", static_cast<double>(h.max()) / 1e6},
                              {"mean", h.mean() / 1e6}};
    };
    const auto perSecond = [&](std::uint64_t n) {
        return seconds > 0 ? static_cast<double>(n) / seconds : 0;
    };
    return {{"completed", completed},
            {"seconds", seconds},
            {"throughput_per_second", perSecond(completed)},
            {"goodput_per_second", perSecond(codes[0])},
            {"refused_overload", codes[kResourceExhausted]},
            {"codes", codesJson},
            {"latency_ms", percentiles(latency)},
            {"ok_latency_ms", percentiles(okLatency)}};
}

}  // namespace fraud
