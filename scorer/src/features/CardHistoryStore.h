#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/Time.h"

namespace fraud {

// What a new event tells the store about a card.
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
};

// Bounds of the per-card memory. A card remembers its latest kCardEventCapacity events
// (so velocity counts saturate there: a card past it is plainly in a burst), and its
// latest merchants and devices.
inline constexpr std::size_t kCardEventCapacity = 32;
inline constexpr std::size_t kCardMerchantCapacity = 8;
inline constexpr std::size_t kCardDeviceCapacity = 4;

// Per-card state for the transaction schema: sharded so request threads rarely contend,
// bounded by card count (evicting the least recently touched cards, sampled) and by idle
// age. Keyed by a 64-bit hash of the card id; the interface leaves room for a shared store
// (Redis) when replicas must agree.
class CardHistoryStore {
public:
    struct Options {
        std::size_t shards = 64;
        std::size_t maxCards = 1'000'000;
        std::chrono::seconds idleTtl = std::chrono::hours(24 * 7);
    };

    CardHistoryStore();
    explicit CardHistoryStore(Options options);
    ~CardHistoryStore();
    CardHistoryStore(const CardHistoryStore&) = delete;
    CardHistoryStore& operator=(const CardHistoryStore&) = delete;

    // The card's history as of event.time, and, when `record`, the event added to it.
    // Reading and recording happen under one lock, so concurrent events of one card
    // each see the other or not, never half.
    CardHistoryView observe(std::string_view cardId, const CardEvent& event, bool record);
    // The card's history as of event.time if it had also made the `prior` events: computed on
    // a scratch copy of the card, so nothing is recorded. Dry runs ("this card made five
    // small payments in the last hour") use it.
    CardHistoryView observeWithPriors(std::string_view cardId, std::span<const CardEvent> prior,
                                      const CardEvent& event) const;

    // Sets `bits` among the card's flags for rollout `generation`, and returns those it had
    // not set before: a release's gates count cards, not transactions (a card-testing burst
    // is one card), so each card counts once per outcome and generation. Flags of an earlier
    // generation are cleared first, since a step (a generation) begins a new experiment.
    // Generations are compared modulo 65,536. `now`: the event time a new card starts from.
    std::uint8_t flagCard(std::string_view cardId, std::uint64_t generation, std::uint8_t bits,
                          EpochMillis now);

    std::size_t size() const;
    // Forgets cards untouched (by processing time) for longer than the idle TTL.
    std::size_t evictIdle();
    static std::size_t bytesPerCard();

private:
    // The merchants (or devices) a card used, with when each was first seen, least recently
    // used first out. Columns rather than records: 9 bytes an entry instead of 12, which
    // over a million cards is the difference between under and over 500 MB.
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
    // The events as columns too: an id tag costs 2 bytes an event, not 4 and padding.
    struct Card {
        std::int64_t baseSeconds = 0;  // event-time origin of the relative times
        std::uint32_t lastTouch = 0;   // processing time, seconds since the store started
        std::uint8_t events = 0;
        // flagCard's: in the padding before `time`, so they cost no memory.
        std::uint8_t flags = 0;
        std::uint16_t flagGeneration = 0;
        std::array<std::int32_t, kCardEventCapacity> time{};  // seconds relative to the base
        std::array<float, kCardEventCapacity> amount{};
        // 16 bits of CardEvent::id; an event is known by its tag and its second together, so
        // two events of one card are mistaken for each other once in 65,536 same-second pairs.
        std::array<std::uint16_t, kCardEventCapacity> tag{};
        SeenSet<kCardMerchantCapacity> merchants;
        SeenSet<kCardDeviceCapacity> devices;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::uint64_t, Card> cards;
        std::uint64_t sampler = 0;
    };

    std::uint32_t processingSeconds() const;
    void makeRoom(Shard& shard);
    static CardHistoryView view(const Card* card, const CardEvent& event);
    // The event's own index among the card's events, or -1 (not remembered, or no id).
    static int indexOf(const Card& card, const CardEvent& event, std::int32_t t);
    static void remember(Card& card, const CardEvent& event, std::int32_t t);

    Options options_;
    std::size_t perShardCapacity_;
    std::chrono::steady_clock::time_point started_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace fraud
