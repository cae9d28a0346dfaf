#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace fraud {

// Event time in whole milliseconds since the Unix epoch.
using EpochMillis = std::int64_t;

inline EpochMillis toEpochMillis(const google::protobuf::Timestamp& ts) {
    return ts.seconds() * 1000 + ts.nanos() / 1'000'000;
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
