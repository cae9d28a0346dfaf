#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "common/EventClock.h"
#include "features/CardHistory.h"
#include "features/FeatureColumns.h"
#include "features/FeatureExtractor.h"
#include "fraud/v1/transaction.pb.h"
#include "model/LoadedModel.h"
#include "observability/ScorerMetrics.h"
#include "registry/RolloutState.h"
#include "serving/CardFlags.h"
#include "serving/TransactionValidator.h"

namespace fraud::v1 {
class DecisionBoundary;
class DecisionBoundaryRequest;
class ScoreResult;
}  // namespace fraud::v1

namespace fraud {

class DecisionFeed;
class FeatureDrift;

// The decision a version's thresholds give a score.
v1::Decision decisionFor(const LoadedModel& model, double score);

// One model as it serves: where its inputs sit in the traffic's feature vector, and the
// counters and drift statistics of its variant, looked up once.
struct ServedModel {
    std::shared_ptr<const LoadedModel> model;
    FeatureColumns columns;
    v1::Variant variant = v1::VARIANT_STABLE;
    ScorerMetrics::ModelCounters counters;
    std::shared_ptr<FeatureDrift> drift;
};

// What the engine serves right now: replaced whole, never edited, so a request keeps a
// consistent view (models, weight, extractor, counters) from start to finish, and requests in
// flight finish on the set they started with.
struct ServingSet {
    RolloutState rollout;  // the registry state this set serves (its generation)
    FeatureSchema traffic;
    std::unique_ptr<FeatureExtractor> extractor;
    ServedModel stable;
    std::optional<ServedModel> canary;
    bool shadow = false;
    // Shadow: stable and canary decided differently, [0] canary stricter, [1] more lenient.
    std::array<prometheus::Counter*, 2> flips{};
};

// Validates, featurizes, routes (stable or canary by CanaryRouter), scores, decides and
// explains transactions. Independent of gRPC: the service turns results into RPC replies.
// Thread-safe; `serve` swaps the whole set atomically.
class ScoringEngine {
public:
    static constexpr std::size_t kMaxPrior = 256;

    ScoringEngine(CardHistory& history, ScorerMetrics& metrics, ValidationLimits limits,
                  EventClock clock = {});

    // A set for `rollout` with these loaded models (canary null when the rollout has none).
    // This is the one check that a canary can serve beside its stable version: it throws
    // std::runtime_error, naming the features, if the canary's inputs cannot be computed for
    // the stable version's traffic. The set may still be edited until it is served.
    std::shared_ptr<ServingSet> prepare(const RolloutState& rollout,
                                        std::shared_ptr<const LoadedModel> stable,
                                        std::shared_ptr<const LoadedModel> canary,
                                        std::shared_ptr<FeatureDrift> stableDrift = {},
                                        std::shared_ptr<FeatureDrift> canaryDrift = {});
    void serve(std::shared_ptr<const ServingSet> set);
    std::shared_ptr<const ServingSet> serving() const { return serving_.load(); }
    void setDecisionFeed(DecisionFeed* feed) { feed_ = feed; }

    // On success fills `out` and returns nothing; on bad input returns the field error
    // (and counts it, for live traffic) and leaves the card history untouched. `mode` says what
    // the transaction leaves behind: the card's history (RECORD_ALL, RECORD_HISTORY_ONLY) and
    // the statistics, drift and live feed (RECORD_ALL only); Explain uses RECORD_NONE.
    // `prior`: the card's extra earlier transactions of a dry run (RECORD_NONE only).
    // `side`: where the transaction fell in the release, also for invalid input (by its card).
    // A card history that is down: scored without it and flagged (card_history_missing) when
    // it fails open; CardHistoryUnavailable thrown when it fails closed.
    std::optional<FieldError> score(const v1::Transaction& tx, bool explain, v1::RecordMode mode,
                                    v1::ScoreResult* out, RequestSide& side,
                                    std::span<const v1::Transaction* const> prior = {}) const;
    // A failure of the scorer's own on live traffic (not bad input): flags the card's error for
    // the release gates.
    void flagError(const v1::Transaction& tx) const;

    // Where the decision changes as request.field moves (a dry run); see DecisionBoundary.h.
    std::optional<FieldError> boundary(const v1::DecisionBoundaryRequest& request,
                                       v1::DecisionBoundary* out) const;

    // A batch on one serving set, recorded as `mode` says; the cards' histories read together
    // (one round trip to a shared store) and the explanations (if asked) computed together.
    // `results` must hold one result per transaction; `errors` gets (index, error) of the
    // invalid ones, whose results are left for the caller to fill.
    struct BatchResults {
        std::vector<v1::ScoreResult*> results;
        std::vector<RequestSide> sides;  // filled by scoreBatch, one per transaction
        std::vector<std::pair<std::size_t, FieldError>> errors;
    };
    void scoreBatch(const google::protobuf::RepeatedPtrField<v1::Transaction>& batch, bool explain,
                    v1::RecordMode mode, BatchResults& out) const;

private:
    // A transaction scored: the model that decided, and its inputs (valid on this thread until
    // the next scoreWith), selected from the traffic's vector once.
    struct Scored {
        const ServedModel* model = nullptr;
        std::span<const float> inputs;
        RequestSide side = RequestSide::Stable;
    };
    // A transaction already validated and featurized, by scoreBatch.
    struct Extracted {
        std::span<const float> features;
        bool historyAvailable = true;
    };
    static RequestSide sideOf(const ServingSet& set, const v1::Transaction& tx);
    // Validates, extracts (unless `extracted`), scores, decides and records (as `mode` says)
    // one transaction.
    std::optional<FieldError> scoreWith(const ServingSet& set, const v1::Transaction& tx,
                                        v1::RecordMode mode, Scored& scored, v1::ScoreResult* out,
                                        std::span<const v1::Transaction* const> prior = {},
                                        const Extracted* extracted = nullptr) const;
    std::optional<FieldError> validate(const ServingSet& set, const v1::Transaction& tx,
                                       v1::RecordMode mode,
                                       std::span<const v1::Transaction* const> prior) const;

    CardHistory& store_;
    ScorerMetrics& metrics_;
    ValidationLimits limits_;
    ValidationLimits dryRunLimits_;  // any event age: a dry run records nothing
    EventClock clock_;
    DecisionFeed* feed_ = nullptr;
    std::atomic<std::shared_ptr<const ServingSet>> serving_;
};

}  // namespace fraud
