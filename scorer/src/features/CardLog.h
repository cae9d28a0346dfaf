#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "features/CardRecord.h"

namespace fraud {

// A card's history as Redis keeps it: one string, a snapshot of the card's CardRecord followed
// by the events recorded since, in the order Redis applied them. Recording an event is an
// APPEND (atomic with the read that precedes it in one tiny script), so Redis does no work per
// event beyond copying bytes; the scorer replays the log through CardRecord::record, the very
// function the in-process store applies, so both stores hold the same state and give the same
// views, retries included (a repeated event is known by its id tag and second, and skipped).
// Once a card's log grows past kCompactAfter events, the scorer that notices writes a fresh
// snapshot over the prefix it read (compare-and-set on the snapshot's generation).
//
// Layout: [snapshot: 0xFC, format 1, 2 reserved, generation u32, the card] [event: 0xE1 ...]*.
// A card never compacted has no snapshot: its string starts with its first event.
struct CardLog {
    static constexpr std::size_t kEventBytes = 26;
    static constexpr std::size_t kHeaderBytes = 8;
    static constexpr std::size_t kCompactAfter = 8;

    // One event's bytes, as appended.
    static std::string encodeEvent(const CardEvent& event);

    // The card's state after the whole log (false: the log is empty or none). `events`: how
    // many events follow the snapshot; `generation`: the snapshot's (0: none). Throws
    // std::runtime_error for bytes that are not a card log.
    struct Replayed {
        bool known = false;
        CardRecord card;
        std::size_t events = 0;
        std::uint32_t generation = 0;
    };
    static Replayed replay(std::string_view log, EpochMillis origin);

    // A snapshot of `card` with `generation`, to replace a log's prefix.
    static std::string encodeSnapshot(const CardRecord& card, std::uint32_t generation);
};

}  // namespace fraud
