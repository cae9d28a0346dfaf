#include "observability/ScorerMetrics.h"

#include "common/LatencyBuckets.h"

namespace fraud {
namespace {

constexpr std::array<std::string_view, kRpcMethodCount> kMethods{"Score", "ScoreStream", "Explain",
                                                                 "FindDecisionBoundary"};
constexpr std::array<std::string_view, 4> kDecisions{"unspecified", "approve", "review", "decline"};
// Every field validateTransaction can name (without the index of features[...]).
constexpr std::array<std::string_view, 13> kFields{
    "transaction",  "transaction_id", "card_id",   "merchant_id", "merchant_category",
    "amount",       "currency",       "timestamp", "channel",     "country",
    "card_country", "device_id",      "features"};

const prometheus::Histogram::BucketBoundaries kLatencyBuckets{fraud::kRequestLatencyEdges.begin(),
                                                              fraud::kRequestLatencyEdges.end()};
// Fraud probability: dense near 0, where most traffic is, and near the decision thresholds.
const prometheus::Histogram::BucketBoundaries kScoreBuckets{
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};

std::string label(std::string_view s) {
    return std::string(s);
}

}  // namespace

std::string_view ScorerMetrics::sideLabel(RequestSide side) {
    constexpr std::array<std::string_view, kRequestSideCount> kSides{"stable", "canary", "shadow",
                                                                     "none", "mixed"};
    return kSides[static_cast<std::size_t>(side)];
}

std::string_view ScorerMetrics::variantLabel(v1::Variant v) {
    return v == v1::VARIANT_CANARY ? "canary" : "stable";
}

ScorerMetrics::ScorerMetrics(prometheus::Registry& registry)
    : registry_(registry),
      requestsFamily_(prometheus::BuildCounter()
                          .Name("fraud_scorer_requests_total")
                          .Help("Scoring requests by gRPC method, status code and variant (the "
                                "side of the release each fell on: stable, canary, shadow, or "
                                "none when refused before routing); ScoreStream counts each "
                                "transaction of a batch.")
                          .Register(registry)),
      unrecordedFamily_(prometheus::BuildCounter()
                            .Name("fraud_scorer_unrecorded_requests_total")
                            .Help("Scoring requests that recorded no statistics, by method, "
                                  "status code and purpose: history (RECORD_HISTORY_ONLY: "
                                  "warm-up, backfill) or test (RECORD_NONE: dry runs).")
                            .Register(registry)),
      durationFamily_(prometheus::BuildHistogram()
                          .Name("fraud_scorer_request_duration_seconds")
                          .Help("Time to handle a Score or Explain call, or one ScoreStream "
                                "batch, by variant (mixed: a batch on several sides).")
                          .Register(registry)),
      decisionsFamily_(prometheus::BuildCounter()
                           .Name("fraud_scorer_decisions_total")
                           .Help("Decisions by variant, model version and outcome.")
                           .Register(registry)),
      scoreFamily_(prometheus::BuildHistogram()
                       .Name("fraud_scorer_score")
                       .Help("Distribution of fraud scores (probabilities) by variant.")
                       .Register(registry)),
      invalidFamily_(prometheus::BuildCounter()
                         .Name("fraud_scorer_invalid_inputs_total")
                         .Help("Transactions rejected with INVALID_ARGUMENT, by offending field.")
                         .Register(registry)),
      modelInfoFamily_(prometheus::BuildGauge()
                           .Name("fraud_scorer_model_info")
                           .Help("The model serving each variant (always 1).")
                           .Register(registry)),
      flipsFamily_(prometheus::BuildCounter()
                       .Name("fraud_scorer_shadow_decision_flips_total")
                       .Help("Shadow mode: transactions the canary would have decided "
                             "differently from the stable model, by direction: stricter "
                             "(towards decline) or lenient (towards approve).")
                       .Register(registry)),
      loadFailuresFamily_(prometheus::BuildCounter()
                              .Name("fraud_scorer_model_load_failures_total")
                              .Help("Model versions that failed to load or validate, by version; "
                                    "the replica kept serving what it served.")
                              .Register(registry)),
      controlFamily_(prometheus::BuildCounter()
                         .Name("fraud_scorer_control_requests_total")
                         .Help("Control calls by method and status code.")
                         .Register(registry)) {
    for (std::size_t m = 0; m < kRpcMethodCount; ++m) {
        for (std::size_t c = 0; c < kGrpcCodeCount; ++c) {
            for (std::size_t v = 0; v + 1 < kRequestSideCount; ++v) {
                requests_[m][c][v] = &requestsFamily_.Add(
                    {{"method", label(kMethods[m])},
                     {"code", label(kGrpcCodeNames[c])},
                     {"variant", label(sideLabel(static_cast<RequestSide>(v)))}});
            }
        }
        for (std::size_t v = 0; v < kRequestSideCount; ++v) {
            durations_[m][v] =
                &durationFamily_.Add({{"method", label(kMethods[m])},
                                      {"variant", label(sideLabel(static_cast<RequestSide>(v)))}},
                                     kLatencyBuckets);
        }
    }
    auto& cards = prometheus::BuildCounter()
                      .Name("fraud_scorer_cards_total")
                      .Help(
                          "Cards that reached an outcome (scored; error; decline; shadow flip "
                          "stricter or lenient), each card counted once per outcome and "
                          "rollout generation, by variant: the release gates' unit.")
                      .Register(registry);
    constexpr std::array<std::string_view, cardFlag::kOutcomes> kOutcomeNames{
        "scored", "error", "decline", "flip_stricter", "flip_lenient"};
    for (std::size_t shadow = 0; shadow < 2; ++shadow) {
        for (std::size_t bit = 0; bit < 8; ++bit) {
            const bool canarySide = bit >= cardFlag::kCanaryShift;
            const std::size_t outcome = canarySide ? bit - cardFlag::kCanaryShift : bit;
            const std::string variant = !canarySide ? "stable" : shadow ? "shadow" : "canary";
            cards_[shadow][bit] =
                &cards.Add({{"variant", variant}, {"outcome", label(kOutcomeNames[outcome])}});
        }
    }
    for (std::size_t p = 0; p < 2; ++p) {
        for (std::size_t m = 0; m < kRpcMethodCount; ++m) {
            if (alwaysDryRun(static_cast<RpcMethod>(m)))
                continue;
            for (std::size_t c = 0; c < kGrpcCodeCount; ++c) {
                unrecorded_[p][m][c] =
                    &unrecordedFamily_.Add({{"method", label(kMethods[m])},
                                            {"code", label(kGrpcCodeNames[c])},
                                            {"purpose", p == 0 ? "history" : "test"}});
            }
        }
    }
    for (auto field : kFields)
        invalid_.emplace(label(field), &invalidFamily_.Add({{"field", label(field)}}));
    invalidOther_ = &invalidFamily_.Add({{"field", "other"}});
    cardsTracked_ = &prometheus::BuildGauge()
                         .Name("fraud_scorer_cards_tracked")
                         .Help("Cards whose history this replica keeps.")
                         .Register(registry)
                         .Add({});
    cardHistoryMissing_ =
        &prometheus::BuildCounter()
             .Name("fraud_scorer_card_history_missing_total")
             .Help(
                 "Transactions scored without their card's history: the shared card history "
                 "did not answer and scoring failed open (the result says "
                 "card_history_missing).")
             .Register(registry)
             .Add({});
    generation_ = &prometheus::BuildGauge()
                       .Name("fraud_scorer_rollout_generation")
                       .Help("Generation of the registry's rollout state this replica serves.")
                       .Register(registry)
                       .Add({});
    generationSeen_ = &prometheus::BuildGauge()
                           .Name("fraud_scorer_rollout_generation_seen")
                           .Help("Newest generation of the rollout state in the registry.")
                           .Register(registry)
                           .Add({});
    converged_ = &prometheus::BuildGauge()
                      .Name("fraud_scorer_converged")
                      .Help("1 when this replica serves the registry's newest generation.")
                      .Register(registry)
                      .Add({});
    // A reason label from the start, so that other reasons (memory, say) can join it.
    rejected_ = &prometheus::BuildCounter()
                     .Name("fraud_scorer_rejected_total")
                     .Help(
                         "Scoring calls refused at once by admission control "
                         "(RESOURCE_EXHAUSTED), by reason.")
                     .Register(registry)
                     .Add({{"reason", "overload"}});
    queued_ = &prometheus::BuildGauge()
                   .Name("fraud_scorer_queued_requests")
                   .Help("Scoring calls admitted and waiting for a worker.")
                   .Register(registry)
                   .Add({});
    watchDropped_ = &prometheus::BuildCounter()
                         .Name("fraud_scorer_watch_events_dropped_total")
                         .Help("Live decisions dropped because a watcher's queue was full.")
                         .Register(registry)
                         .Add({});
    watchers_ = &prometheus::BuildGauge()
                     .Name("fraud_scorer_watchers")
                     .Help("Open WatchDecisions streams.")
                     .Register(registry)
                     .Add({});
}

RedisCardHistory::Metrics ScorerMetrics::cardHistoryMetrics(const std::string& kind) {
    RedisCardHistory::Metrics m;
    m.up = &prometheus::BuildGauge()
                .Name("fraud_scorer_card_history_up")
                .Help(
                    "1 while the card history answers (a shared store's circuit breaker is "
                    "closed), 0 while scoring goes on without it.")
                .Register(registry_)
                .Add({{"store", kind}});
    m.up->Set(1);
    if (kind == "memory")
        return m;
    auto& failures = prometheus::BuildCounter()
                         .Name("fraud_scorer_card_history_failures_total")
                         .Help(
                             "Card-history round trips that failed, by reason; breaker_open: "
                             "not attempted while the circuit breaker was open.")
                         .Register(registry_);
    m.timeouts = &failures.Add({{"store", kind}, {"reason", "timeout"}});
    m.errors = &failures.Add({{"store", kind}, {"reason", "error"}});
    m.rejected = &failures.Add({{"store", kind}, {"reason", "breaker_open"}});
    m.roundTrip = &prometheus::BuildHistogram()
                       .Name("fraud_scorer_card_history_round_trip_seconds")
                       .Help(
                           "Round trips to the shared card history: one per unary score, one "
                           "per ScoreStream batch.")
                       .Register(registry_)
                       .Add({{"store", kind}}, prometheus::Histogram::BucketBoundaries{
                                                   0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                   0.01, 0.025, 0.05, 0.1, 0.25});
    return m;
}

void ScorerMetrics::clearModelInfo(v1::Variant variant) {
    std::lock_guard lock(modelInfoMutex_);
    if (auto it = modelInfo_.find(variant); it != modelInfo_.end()) {
        modelInfoFamily_.Remove(it->second);
        modelInfo_.erase(it);
    }
}

std::array<prometheus::Counter*, 2> ScorerMetrics::flipsFor(const std::string& stableVersion,
                                                            const std::string& canaryVersion) {
    return {&flipsFamily_.Add({{"stable_version", stableVersion},
                               {"canary_version", canaryVersion},
                               {"direction", "stricter"}}),
            &flipsFamily_.Add({{"stable_version", stableVersion},
                               {"canary_version", canaryVersion},
                               {"direction", "lenient"}})};
}

void ScorerMetrics::countLoadFailure(const std::string& version) {
    loadFailuresFamily_.Add({{"model_version", version}}).Increment();
}

void ScorerMetrics::countControl(const std::string& method, int grpcCode) {
    controlFamily_
        .Add({{"method", method},
              {"code", label(kGrpcCodeNames[static_cast<std::size_t>(grpcCode) % kGrpcCodeCount])}})
        .Increment();
}

void ScorerMetrics::countInvalid(std::string_view field) {
    const auto it = invalid_.find(field);
    (it == invalid_.end() ? invalidOther_ : it->second)->Increment();
}

ScorerMetrics::ModelCounters ScorerMetrics::countersFor(std::string_view variant,
                                                        const std::string& version) {
    ModelCounters c;
    const auto v = label(variant);
    for (std::size_t d = 1; d < kDecisions.size(); ++d) {
        c.decisions[d] = &decisionsFamily_.Add(
            {{"variant", v}, {"model_version", version}, {"decision", label(kDecisions[d])}});
    }
    c.decisions[0] = c.decisions[1];
    c.score = &scoreFamily_.Add({{"variant", v}, {"model_version", version}}, kScoreBuckets);
    return c;
}

void ScorerMetrics::setModelInfo(v1::Variant variant, const std::string& version,
                                 const std::string& schema, const std::string& sha256) {
    std::lock_guard lock(modelInfoMutex_);
    if (auto it = modelInfo_.find(variant); it != modelInfo_.end()) {
        modelInfoFamily_.Remove(it->second);
        modelInfo_.erase(it);
    }
    auto& g = modelInfoFamily_.Add({{"variant", label(variantLabel(variant))},
                                    {"model_version", version},
                                    {"schema", schema},
                                    {"sha256", sha256}});
    g.Set(1);
    modelInfo_[variant] = &g;
}

}  // namespace fraud
