#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace fraud {

// Event time in whole milliseconds since the Unix epoch.
using EpochMillis = std::int64_t;

// The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
inline constexpr std::int64_t kTimestampMinSeconds = -62'135'596'800;
inline constexpr std::int64_t kTimestampMaxSeconds = 253'402'300'799;

// Clamped to that range, so a timestamp off the wire cannot overflow the multiplication (the
// transaction fuzzer found seconds near 2^63 wrapping into an accepted event time); the
// validator refuses such a timestamp by name.
inline EpochMillis toEpochMillis(const google::protobuf::Timestamp& ts) {
    const auto seconds = std::clamp(ts.seconds(), kTimestampMinSeconds, kTimestampMaxSeconds);
    return seconds * 1000 + ts.nanos() / 1'000'000;
}

inline void setEpochMillis(google::protobuf::Timestamp* ts, EpochMillis ms) {
    const auto seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    ts->set_seconds(seconds);
    ts->set_nanos(static_cast<std::int32_t>((ms - seconds * 1000) * 1'000'000));
}

inline EpochMillis wallClockMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// RFC 3339 in UTC with milliseconds, e.g. 2026-11-22T09:24:13.123Z.
std::string formatRfc3339(EpochMillis ms);
// Parses what formatRfc3339 writes (any RFC 3339 time); nullopt if it is not one.
std::optional<EpochMillis> parseRfc3339(const std::string& text);

}  // namespace fraud
