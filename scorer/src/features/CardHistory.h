#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "features/CardRecord.h"

namespace fraud {

// One card's part in a batch: read its history as of the event, and record the event.
struct CardLookup {
    std::string_view cardId;
    CardEvent event;
    bool record = false;
};

// A shared store that cannot answer, configured to fail closed: the request fails (gRPC
// UNAVAILABLE) rather than being scored without the card's history.
class CardHistoryUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where the cards' velocity history lives: in the scorer's memory (CardHistoryStore, the
// default, kept across restarts by a snapshot) or in Redis, shared by every replica
// (RedisCardHistory). Both compute views with CardRecord, so a card's features are the same
// whichever holds it. Thread-safe.
class CardHistory {
public:
    virtual ~CardHistory() = default;

    // The card's history as of event.time, and, when `record`, the event added to it, as one
    // atomic step: concurrent events of one card each see the other or not, never half.
    // An unavailable history (view.available false) when a shared store cannot answer and
    // scoring fails open; throws CardHistoryUnavailable when it fails closed.
    virtual CardHistoryView observe(std::string_view cardId, const CardEvent& event,
                                    bool record) = 0;
    // observe for each lookup, in order (a later event of a card sees an earlier one of the
    // batch): a store across the network answers the whole batch in one round trip.
    virtual void observeBatch(std::span<const CardLookup> lookups, std::span<CardHistoryView> out) {
        for (std::size_t i = 0; i < lookups.size(); ++i)
            out[i] = observe(lookups[i].cardId, lookups[i].event, lookups[i].record);
    }
    // The card's history as of event.time if it had also made the `prior` events, recording
    // nothing. Dry runs ("this card made five small payments in the last hour") use it.
    virtual CardHistoryView observeWithPriors(std::string_view cardId,
                                              std::span<const CardEvent> prior,
                                              const CardEvent& event) = 0;

    // Sets `bits` among the card's flags for rollout `generation`, and returns those it had
    // not set before: a release's gates count cards, not transactions (a card-testing burst
    // is one card), so each card counts once per outcome and generation. Flags of an earlier
    // generation are cleared first, since a step (a generation) begins a new experiment.
    // Generations are compared modulo 65,536. `now`: the event time a new card starts from.
    virtual std::uint8_t flagCard(std::string_view cardId, std::uint64_t generation,
                                  std::uint8_t bits, EpochMillis now) = 0;

    // Cards held here (0 for a shared store: it counts its own).
    virtual std::size_t size() const = 0;
    // Periodic upkeep (forgetting idle cards, reconnecting); returns cards forgotten.
    virtual std::size_t maintain() { return 0; }
    // "memory" or "redis", for status and logs.
    virtual std::string kind() const = 0;
};

}  // namespace fraud
