#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/EventClock.h"
#include "synth/TransactionGenerator.h"

namespace fraud {

struct PacingConfig {
    // Events before this event time warm the scorers' card histories (sent with
    // RECORD_HISTORY_ONLY, not scored for the record).
    EpochMillis historyUntil = 0;
    // The events a second the consumer asks for, when it knows (an open loop): once the
    // simulated clock reaches now, the population grows to supply that rate in real time at
    // the per-card rate of training. 0 (a closed loop, which has no rate): the per-card rate
    // doubles each time the consumer catches up with now.
    double targetRate = 0;
    // Open loop: once at now, send only what the population transacts in real time, never
    // raising the per-card rate (slots with nothing due are skipped). For a demo whose
    // features must match training; a load test wants its rate instead.
    bool realTime = false;
    // Past this many cards the population stops growing and the per-card rate rises instead.
    std::size_t maxCards = 200'000;
};

struct PacedTransaction {
    GeneratedTransaction generated;
    bool history = false;  // a warm-up event (see PacingConfig::historyUntil)
};

// The trainer's card population on a simulated clock that never passes the event clock.
// Behind now, the simulated clock runs as fast as transactions are asked for (a compressed
// replay: every card keeps its training-time rate, so the velocity features stay those of
// training). Once it reaches now, the consumer cannot go faster than the population supplies
// in real time (cards x per-card rate), so supply is added:
//  - with a target rate (open loop), new cards join at the training rate, their lives starting
//    now (a Poisson process supplies its rate from the first instant: no backlog), up to
//    `maxCards`; past it, or when the hour is quiet (cards transact less by night) and 2 % of a
//    second's slots found nothing due, the per-card rate rises to make up the rest;
//  - without one (closed loop), the per-card rate doubles, which costs nothing up front (each
//    card's pending transaction is drawn again from its previous one, so a share of them fall
//    due at once).
// A higher per-card rate shifts the velocity features away from training; a note says so.
// Not thread-safe (TrafficSource locks around it).
class PacedGenerator {
public:
    PacedGenerator(GeneratorConfig config, PacingConfig pacing, EventClock clock);

    // The next transaction whose event time is at or before now; nothing when none is due
    // even after growing (the population supplies the target rate and the next card's
    // transaction lies a moment ahead: an open loop skips that slot, a closed one waits).
    std::optional<PacedTransaction> next();
    // Event time of the next transaction (possibly after now).
    EpochMillis peekTime() { return generator_.peekTime(); }
    void setDrift(const DriftKnobs& drift) { generator_.setDrift(drift); }

    // Whether the next transaction still belongs to the initial warm-up (before
    // PacingConfig::historyUntil), and how far through it the simulated clock is (0 to 1).
    bool warmingUp() { return generator_.peekTime() < pacing_.historyUntil; }
    double warmupProgress();

    std::size_t cards() const { return generator_.cardCount(); }
    double txnsPerCardPerDay() const { return generator_.config().txnsPerCardPerDay; }
    // Whether the simulated clock has reached now at least once.
    bool caughtUp() const { return caughtUp_; }
    const EventClock& clock() const { return clock_; }
    // What changed since the last call, one sentence each (growth, rate rises).
    std::vector<std::string> takeNotes();

private:
    // Adds supply after the simulated clock caught up with `now`; false if none is needed.
    bool grow(EpochMillis now);
    // Counts an empty open-loop slot; true once they make 2 % of a second's slots in a second.
    bool supplyShort(EpochMillis now);

    TransactionGenerator generator_;
    EpochMillis start_;
    PacingConfig pacing_;
    EventClock clock_;
    bool caughtUp_ = false;
    bool rateRaised_ = false;
    EpochMillis shortSince_ = 0;
    double shortCount_ = 0;
    std::vector<std::string> notes_;
};

}  // namespace fraud
