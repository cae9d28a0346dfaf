#pragma once

#include <QDateTime>
#include <QString>
#include <chrono>
#include <optional>

namespace fraudops {

// The moments a refresh asks about.
struct TimeWindow {
    QDateTime start, end;  // UTC
    bool live = true;      // ends now: a series with nothing new is stale
    std::chrono::seconds span() const {
        return std::chrono::seconds(std::max<qint64>(1, start.secsTo(end)));
    }
};

// What the user picked: the last N seconds (a preset, moving with the clock), or a fixed
// absolute range (an incident's, say), which stays put.
class TimeRange {
public:
    static TimeRange last(std::chrono::seconds span) { return TimeRange(span); }
    // `from` before `to`; nothing otherwise.
    static std::optional<TimeRange> between(const QDateTime& from, const QDateTime& to);

    bool isRelative() const { return span_.has_value(); }
    std::chrono::seconds span() const;
    QDateTime from() const { return from_; }
    QDateTime to() const { return to_; }
    TimeWindow window(const QDateTime& now) const;
    // "last 15 m", or "2026-11-29 10:00 – 11:30" in local time.
    QString label() const;
    bool operator==(const TimeRange&) const = default;

private:
    explicit TimeRange(std::chrono::seconds span) : span_(span) {}
    TimeRange(QDateTime from, QDateTime to) : from_(std::move(from)), to_(std::move(to)) {}

    std::optional<std::chrono::seconds> span_;
    QDateTime from_, to_;
};

// "15 m", "1 h", "7 d": a span as the range presets name it.
QString spanLabel(std::chrono::seconds span);

}  // namespace fraudops
