#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "features/CardHistoryStore.h"
#include "features/FeatureExtractor.h"
#include "model/LoadedModel.h"
#include "service/ScorerMetrics.h"
#include "service/TransactionValidator.h"

namespace fraud::v1 {
class ScoreResult;
class Transaction;
}  // namespace fraud::v1

namespace fraud {

// What the engine serves right now: replaced whole, never edited, so a request keeps a
// consistent view (model, extractor, counters) from start to finish.
struct ServingSet {
    std::shared_ptr<const LoadedModel> stable;
    std::unique_ptr<FeatureExtractor> extractor;
    ScorerMetrics::ModelCounters counters;
    std::uint64_t generation = 0;
};

// Validates, featurizes, scores, decides and explains one transaction. Independent of
// gRPC: the service turns its results into RPC replies. Thread-safe.
class ScoringEngine {
public:
    ScoringEngine(CardHistoryStore& store, ScorerMetrics& metrics, ValidationLimits limits);

    void serve(std::shared_ptr<const LoadedModel> stable, std::uint64_t generation);
    std::shared_ptr<const ServingSet> serving() const { return serving_.load(); }

    // On success fills `out` and returns nothing; on bad input returns the field error
    // (and counts it) and leaves the card history untouched. `record` adds the
    // transaction to its card's history (Score does, Explain does not).
    std::optional<FieldError> score(const v1::Transaction& tx, bool explain, bool record,
                                    v1::ScoreResult* out) const;

private:
    CardHistoryStore& store_;
    ScorerMetrics& metrics_;
    ValidationLimits limits_;
    std::atomic<std::shared_ptr<const ServingSet>> serving_;
};

}  // namespace fraud
