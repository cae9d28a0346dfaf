#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fraud/v1/transaction.pb.h"
#include "synth/TransactionGenerator.h"
#include "training/CsvTable.h"

namespace fraud {

// Where the load generator's transactions come from: the trainer's generator (the same
// card population and fraud patterns, one implementation) or the rows of a CSV of named
// numeric features, replayed in a loop for vector-schema models. Thread-safe.
class TrafficSource {
public:
    static std::unique_ptr<TrafficSource> synthetic(GeneratorConfig config);
    // `dropColumns` (the label, the time) are not sent as features.
    static std::unique_ptr<TrafficSource> replay(const std::filesystem::path& csv,
                                                 const std::vector<std::string>& dropColumns);

    v1::Transaction next();
    // Drift from now on (synthetic traffic only; replay ignores it).
    void setDrift(DriftKnobs knobs);
    // Event time of the first and of the last transaction handed out (0 for replay).
    EpochMillis firstEventTime() const;
    EpochMillis eventTime() const;
    std::uint64_t handedOut() const;

private:
    TrafficSource() = default;

    mutable std::mutex mutex_;
    std::unique_ptr<TransactionGenerator> generator_;
    CsvTable table_;
    std::vector<std::size_t> featureColumns_;
    std::uint64_t count_ = 0;
    EpochMillis firstEventTime_ = 0;
    EpochMillis eventTime_ = 0;
};

}  // namespace fraud
