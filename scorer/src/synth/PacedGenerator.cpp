#include "synth/PacedGenerator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fraud {
namespace {

constexpr double kSecondsPerDay = 86'400;
// Only a guard against doubling without end (a closed loop that outruns any supply).
constexpr double kMaxPerCardPerDay = 1e9;

std::string rateText(double perDay) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", perDay);
    return buf;
}

}  // namespace

PacedGenerator::PacedGenerator(GeneratorConfig config, PacingConfig pacing, EventClock clock)
    : generator_(std::move(config)),
      start_(generator_.config().start),
      pacing_(pacing),
      clock_(clock) {}

double PacedGenerator::warmupProgress() {
    if (pacing_.historyUntil <= start_)
        return 1;
    const auto done = generator_.peekTime() - start_;
    return std::clamp(
        static_cast<double>(done) / static_cast<double>(pacing_.historyUntil - start_), 0.0, 1.0);
}

std::optional<PacedTransaction> PacedGenerator::next() {
    const EpochMillis now = clock_.now();
    if (generator_.peekTime() > now) {
        if (!caughtUp_) {
            caughtUp_ = true;
            notes_.push_back("the simulated clock reached now (" + formatRfc3339(now) +
                             "): from here it runs in real time");
        }
        if (!grow(now) || generator_.peekTime() > now)
            return std::nullopt;
    }
    PacedTransaction out;
    out.generated = generator_.next();
    out.history = toEpochMillis(out.generated.tx.timestamp()) < pacing_.historyUntil;
    return out;
}

bool PacedGenerator::grow(EpochMillis now) {
    const double rate = txnsPerCardPerDay();
    const std::size_t have = cards();
    double raised = rate * 2;
    if (pacing_.targetRate > 0) {
        const auto want =
            static_cast<std::size_t>(std::ceil(pacing_.targetRate * kSecondsPerDay / rate));
        if (have < want && have < pacing_.maxCards) {
            const std::size_t add = std::min(want, pacing_.maxCards) - have;
            generator_.addCards(add, now);
            notes_.push_back(std::to_string(add) + " new cards join (" + std::to_string(cards()) +
                             " in all) to supply " + rateText(pacing_.targetRate) +
                             " transactions a second at " + rateText(rate) +
                             " a card a day, the rate of training");
            return true;
        }
        // As many cards as there will be: the next transaction is usually due a moment later,
        // and only slots that keep finding nothing (past the cap, or at night, when cards
        // transact less than their daily average) call for a higher per-card rate.
        if (pacing_.realTime || !supplyShort(now))
            return false;
        raised =
            std::max(raised, pacing_.targetRate * kSecondsPerDay / static_cast<double>(cards()));
    }
    raised = std::min(raised, kMaxPerCardPerDay);
    if (raised <= rate)
        return false;
    // Redrawn from each card's previous transaction, but never back into the warm-up.
    generator_.setTxnsPerCardPerDay(raised, pacing_.historyUntil);
    notes_.push_back("per-card rate " + rateText(rate) + " -> " + rateText(raised) + " a day (" +
                     std::to_string(cards()) + " cards) to keep up with the demand in real time" +
                     (rateRaised_ ? ""
                                  : ": velocity features (counts, sums, seconds since the last "
                                    "transaction) no longer match training"));
    rateRaised_ = true;
    return true;
}

bool PacedGenerator::supplyShort(EpochMillis now) {
    // Open loop: more than 2 % of a second's slots found nothing due within a second. (With
    // supply exactly at the rate the simulated clock walks at random around now; a little
    // slack keeps the timetable whole.)
    if (now - shortSince_ > 1000) {
        shortSince_ = now;
        shortCount_ = 0;
    }
    return ++shortCount_ > std::max(1.0, 0.02 * pacing_.targetRate);
}

std::vector<std::string> PacedGenerator::takeNotes() {
    return std::exchange(notes_, {});
}

}  // namespace fraud
