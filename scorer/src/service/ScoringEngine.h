#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

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

    // A batch, recorded, on one serving set; the explanations (if asked) computed together.
    // `results` must hold one result per transaction; `errors` gets (index, error) of the
    // invalid ones, whose results are left for the caller to fill.
    struct BatchResults {
        std::vector<v1::ScoreResult*> results;
        std::vector<std::pair<std::size_t, FieldError>> errors;
    };
    void scoreBatch(const google::protobuf::RepeatedPtrField<v1::Transaction>& batch, bool explain,
                    BatchResults& out) const;

private:
    std::optional<FieldError> scoreWith(const ServingSet& set, const v1::Transaction& tx,
                                        bool record, std::vector<float>& features,
                                        v1::ScoreResult* out) const;
    static void writeExplanation(const LoadedModel& model, std::span<const float> features,
                                 std::span<const double> phi, v1::ScoreResult* out);

    CardHistoryStore& store_;
    ScorerMetrics& metrics_;
    ValidationLimits limits_;
    std::atomic<std::shared_ptr<const ServingSet>> serving_;
};

}  // namespace fraud
