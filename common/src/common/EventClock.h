#pragma once

#include <stdexcept>
#include <string>

#include "common/Time.h"

namespace fraud {

// What a tool takes as "now" for event times: the wall clock, or the wall clock shifted so
// that it read a chosen time when the tool started, running on at the wall clock's pace. Every
// tool takes it from --now, so tests run the generator, the load generator and the scorer at
// any hour of any day (just before midnight, 5 a.m.) without touching the system clock.
class EventClock {
public:
    EventClock() = default;
    static EventClock startingAt(EpochMillis now) {
        EventClock c;
        c.offset_ = now - wallClockMillis();
        return c;
    }
    // "" means the wall clock; anything else must be an RFC 3339 time.
    static EventClock fromFlag(const std::string& value) {
        if (value.empty())
            return {};
        const auto t = parseRfc3339(value);
        if (!t) {
            throw std::invalid_argument(
                "--now takes an RFC 3339 time such as "
                "2026-11-29T23:59:30Z, not '" +
                value + "'");
        }
        return startingAt(*t);
    }

    EpochMillis now() const { return wallClockMillis() + offset_; }
    bool shifted() const { return offset_ != 0; }

private:
    EpochMillis offset_ = 0;
};

}  // namespace fraud
