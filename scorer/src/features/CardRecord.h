#pragma once

#include <array>
#include <cstdint>

#include "common/Time.h"

namespace fraud {

// What a new event tells card history about a card.
struct CardEvent {
    EpochMillis time = 0;  // event time
    double amount = 0;
    std::uint32_t merchant = 0;  // hash of the merchant id
    std::uint32_t device = 0;    // hash of the device id
    bool hasDevice = false;
    // Hash of the transaction id (0: none). An event the card already remembers by its id is
    // neither counted in its own history nor recorded again: a re-score of a live transaction
    // sees what the live one saw, and a retried request records nothing twice.
    std::uint32_t id = 0;
};

// The card's history as of an event's own time: only events at or before it count,
// whatever order they arrived in.
struct CardHistoryView {
    int count1h = 0;
    int count24h = 0;
    double amountSum24h = 0;
    int remembered = 0;  // earlier events remembered (at most kCardEventCapacity)
    double meanAmount = 0;
    double secondsSinceLast = -1;  // -1: no earlier event
    bool newMerchant = true;
    bool newDevice = false;
    // False when the history could not be read (a shared store that is down, scoring fails
    // open): the features computed from it are missing, not "a new card".
    bool available = true;

    static CardHistoryView unavailable() {
        CardHistoryView v;
        v.available = false;
        return v;
    }
};

// Bounds of the per-card memory. A card remembers its latest kCardEventCapacity events
// (so velocity counts saturate there: a card past it is plainly in a burst), and its
// latest merchants and devices.
inline constexpr std::size_t kCardEventCapacity = 32;
inline constexpr std::size_t kCardMerchantCapacity = 8;
inline constexpr std::size_t kCardDeviceCapacity = 4;

// CardEvent::id in 16 bits, never 0 ("no id") for an event with one.
constexpr std::uint16_t cardEventTag(std::uint32_t id) {
    const auto low = static_cast<std::uint16_t>(id & 0xffffu);
    return id == 0 ? 0 : (low == 0 ? 1 : low);
}

// Whole seconds of an event time, rounded down (also before 1970).
constexpr std::int64_t floorSeconds(EpochMillis ms) {
    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

// One card's remembered state, and the one definition of what a view of it is and how an event
// changes it: the in-process store keeps these, the Redis store replays a card's log through
// record (CardLog.h), and both views come from CardRecord::view.
// Columns rather than records, and relative times: ~330 bytes a card.
struct CardRecord {
    // The merchants (or devices) a card used, with when each was first seen, least recently
    // used first out. Columns: 9 bytes an entry instead of 12, which over a million cards is
    // the difference between under and over 500 MB.
    template <std::size_t N>
    struct SeenSet {
        std::array<std::uint32_t, N> hash{};
        std::array<std::int32_t, N> firstSeen{};  // seconds relative to the card's base
        std::array<std::uint8_t, N> age{};        // 0: used last; N-1: least recently
        std::uint8_t count = 0;

        // Used before time t. `self`: the asking event is itself remembered, at t; then a
        // first use at t is taken to be its own (two uses of one merchant by one card in the
        // same second are not told apart).
        bool seenBy(std::uint32_t h, std::int32_t t, bool self) const;
        void remember(std::uint32_t h, std::int32_t t);
    };

    std::int64_t baseSeconds = 0;  // event-time origin of the relative times
    std::uint32_t lastTouch = 0;   // processing time, seconds since the store started
    std::uint8_t events = 0;
    // CardHistoryStore::flagCard's: in the padding before `time`, so they cost no memory.
    std::uint8_t flags = 0;
    std::uint16_t flagGeneration = 0;
    std::array<std::int32_t, kCardEventCapacity> time{};  // seconds relative to the base
    std::array<float, kCardEventCapacity> amount{};
    // 16 bits of CardEvent::id; an event is known by its tag and its second together, so
    // two events of one card are mistaken for each other once in 65,536 same-second pairs.
    std::array<std::uint16_t, kCardEventCapacity> tag{};
    SeenSet<kCardMerchantCapacity> merchants;
    SeenSet<kCardDeviceCapacity> devices;

    // A card that has seen nothing yet, with its times relative to `origin`.
    static CardRecord startingAt(EpochMillis origin);

    // The event's time relative to the base.
    std::int32_t relative(EpochMillis time) const;
    // The history as of event.time (`card` null: a card never seen).
    static CardHistoryView view(const CardRecord* card, const CardEvent& event);
    // The event's own index among the events, or -1 (not remembered, or no id).
    int indexOf(const CardEvent& event, std::int32_t t) const;
    // Adds the event unless the card already remembers it (by id and second); true if added.
    bool record(const CardEvent& event);

private:
    void remember(const CardEvent& event, std::int32_t t);
};

}  // namespace fraud
