#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fraud/v1/transaction.pb.h"
#include "synth/PacedGenerator.h"
#include "training/CsvTable.h"

namespace fraud {

struct SourcedTransaction {
    v1::Transaction tx;
    bool history = false;  // warm-up: to be sent with RECORD_HISTORY_ONLY
};

// Where the load generator's transactions come from: the trainer's card population, paced so
// that no event time passes the event clock (PacedGenerator), or the rows of a CSV of named
// numeric features, replayed in a loop for vector-schema models. Thread-safe.
class TrafficSource {
public:
    static std::unique_ptr<TrafficSource> synthetic(GeneratorConfig config, PacingConfig pacing,
                                                    EventClock clock);
    // `dropColumns` (the label, the time) are not sent as features.
    static std::unique_ptr<TrafficSource> replay(const std::filesystem::path& csv,
                                                 const std::vector<std::string>& dropColumns);

    // The next transaction due by now, or nothing if none is (an open loop skips the slot).
    std::optional<SourcedTransaction> tryNext();
    // The next transaction, waiting for it to fall due if need be (closed loops).
    SourcedTransaction next();
    // Whether the population's initial warm-up (history before PacingConfig::historyUntil)
    // goes on, and how far it is (0 to 1).
    bool warmingUp();
    double warmupProgress();
    // Drift from now on (synthetic traffic only; replay ignores it).
    void setDrift(DriftKnobs knobs);
    // Event time of the first and of the last transaction handed out (0 for replay).
    EpochMillis firstEventTime() const;
    EpochMillis eventTime() const;
    std::uint64_t handedOut() const;
    // Synthetic only: the population's size and rate now, and what changed since last asked.
    std::size_t cards() const;
    double txnsPerCardPerDay() const;
    std::vector<std::string> takeNotes();

private:
    TrafficSource() = default;

    mutable std::mutex mutex_;
    std::unique_ptr<PacedGenerator> generator_;
    CsvTable table_;
    std::vector<std::size_t> featureColumns_;
    std::uint64_t count_ = 0;
    EpochMillis firstEventTime_ = 0;
    EpochMillis eventTime_ = 0;
};

}  // namespace fraud
