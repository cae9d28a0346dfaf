#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/GrpcCodes.h"
#include "features/RedisCardHistory.h"
#include "fraud/v1/scoring.pb.h"
#include "fraud/v1/transaction.pb.h"
#include "serving/CardFlags.h"

namespace fraud {

enum class RpcMethod : std::size_t { Score, ScoreStream, Explain, FindDecisionBoundary };
inline constexpr std::size_t kRpcMethodCount = 4;
// Dry runs by definition (an analyst's question): counted as requests, never as unrecorded.
constexpr bool alwaysDryRun(RpcMethod m) {
    return m == RpcMethod::Explain || m == RpcMethod::FindDecisionBoundary;
}

// The scorer's Prometheus metrics, named by Prometheus conventions (base units, `_total`
// counters). Every label set on a request path is looked up once, up front or when a model
// is loaded, and kept: Family::Add costs ~200 ns, an increment ~8 ns.
class ScorerMetrics {
public:
    // The counters of one served model, looked up once when it starts serving.
    struct ModelCounters {
        std::array<prometheus::Counter*, 4> decisions{};  // by v1::Decision
        prometheus::Histogram* score = nullptr;
    };

    explicit ScorerMetrics(prometheus::Registry& registry);

    // Live traffic (RECORD_ALL, and Explain) in fraud_scorer_requests_total, by the side of
    // the release experiment it fell on; warm-up and dry runs apart, in
    // fraud_scorer_unrecorded_requests_total{purpose}, so that dashboards and release gates
    // never count them.
    void countRequests(RpcMethod method, int grpcCode, double n = 1,
                       v1::RecordMode mode = v1::RECORD_ALL, RequestSide side = RequestSide::None) {
        const auto code = static_cast<std::size_t>(grpcCode) % kGrpcCodeCount;
        const auto m = static_cast<std::size_t>(method);
        if (mode == v1::RECORD_ALL || alwaysDryRun(method)) {
            requests_[m][code][sideIndex(side)]->Increment(n);
        } else {
            unrecorded_[mode == v1::RECORD_HISTORY_ONLY ? 0 : 1][m][code]->Increment(n);
        }
    }
    void observeDuration(RpcMethod method, double seconds, RequestSide side) {
        durations_[static_cast<std::size_t>(method)][static_cast<std::size_t>(side)]->Observe(
            seconds);
    }
    // Cards that newly reached an outcome in this rollout generation (bits of cardFlag, as
    // CardHistoryStore::flagCard returned them); `shadow` names the canary side "shadow".
    void countCards(std::uint8_t freshFlags, bool shadow) {
        if (freshFlags == 0)
            return;
        for (int bit = 0; bit < 8; ++bit) {
            if ((freshFlags >> bit & 1) != 0)
                cards_[shadow && bit >= cardFlag::kCanaryShift ? 1 : 0]
                      [static_cast<std::size_t>(bit)]
                          ->Increment();
        }
    }
    void countInvalid(std::string_view field);

    // `variant`: "stable", "canary", or "shadow" (a canary in shadow mode, whose decisions are
    // recorded but not made).
    ModelCounters countersFor(std::string_view variant, const std::string& version);
    void setModelInfo(v1::Variant variant, const std::string& version, const std::string& schema,
                      const std::string& sha256);
    void clearModelInfo(v1::Variant variant);
    // Shadow mode: transactions on which stable and canary decided differently, by direction:
    // [0] stricter (the canary would approve less: approve < review < decline), [1] more lenient.
    std::array<prometheus::Counter*, 2> flipsFor(const std::string& stableVersion,
                                                 const std::string& canaryVersion);
    void setCardsTracked(double n) { cardsTracked_->Set(n); }
    // Scores made without the card's history (a shared store down, failing open).
    void countCardHistoryMissing() { cardHistoryMissing_->Increment(); }
    // The card history's own series, labelled with its kind ("memory", "redis"):
    // fraud_scorer_card_history_up and, for Redis, its failures and round trips.
    RedisCardHistory::Metrics cardHistoryMetrics(const std::string& kind);
    void setGeneration(double g) { generation_->Set(g); }
    void setGenerationSeen(double g) { generationSeen_->Set(g); }
    void setConverged(bool yes) { converged_->Set(yes ? 1 : 0); }
    void countLoadFailure(const std::string& version);
    // Scoring calls refused at once by admission control (the queue would keep them waiting
    // too long, or is full).
    void countRejected() { rejected_->Increment(); }
    void setQueued(double calls) { queued_->Set(calls); }
    prometheus::Counter& watchDropped() { return *watchDropped_; }
    prometheus::Gauge& watchers() { return *watchers_; }
    // Control calls by method and status code (authentication failures included).
    void countControl(const std::string& method, int grpcCode);

    static std::string_view variantLabel(v1::Variant v);
    static std::string_view sideLabel(RequestSide side);

private:
    prometheus::Registry& registry_;
    prometheus::Family<prometheus::Counter>& requestsFamily_;
    prometheus::Family<prometheus::Counter>& unrecordedFamily_;
    prometheus::Family<prometheus::Histogram>& durationFamily_;
    prometheus::Family<prometheus::Counter>& decisionsFamily_;
    prometheus::Family<prometheus::Histogram>& scoreFamily_;
    prometheus::Family<prometheus::Counter>& invalidFamily_;
    prometheus::Family<prometheus::Gauge>& modelInfoFamily_;
    prometheus::Family<prometheus::Counter>& flipsFamily_;
    prometheus::Family<prometheus::Counter>& loadFailuresFamily_;
    prometheus::Family<prometheus::Counter>& controlFamily_;
    // Requests are never Mixed: each is one transaction on one side.
    static std::size_t sideIndex(RequestSide side) {
        return side == RequestSide::Mixed ? static_cast<std::size_t>(RequestSide::None)
                                          : static_cast<std::size_t>(side);
    }
    std::array<std::array<std::array<prometheus::Counter*, kRequestSideCount - 1>, kGrpcCodeCount>,
               kRpcMethodCount>
        requests_{};
    // [history, test][method][code]; Explain's row stays empty (it is always a dry run).
    std::array<std::array<std::array<prometheus::Counter*, kGrpcCodeCount>, kRpcMethodCount>, 2>
        unrecorded_{};
    std::array<std::array<prometheus::Histogram*, kRequestSideCount>, kRpcMethodCount> durations_{};
    // [split, shadow][flag bit]: the canary side's bits carry variant "canary" or "shadow".
    std::array<std::array<prometheus::Counter*, 8>, 2> cards_{};
    std::map<std::string, prometheus::Counter*, std::less<>> invalid_;
    prometheus::Counter* invalidOther_ = nullptr;
    prometheus::Gauge* cardsTracked_ = nullptr;
    prometheus::Counter* cardHistoryMissing_ = nullptr;
    prometheus::Gauge* generation_ = nullptr;
    prometheus::Gauge* generationSeen_ = nullptr;
    prometheus::Gauge* converged_ = nullptr;
    prometheus::Counter* rejected_ = nullptr;
    prometheus::Gauge* queued_ = nullptr;
    prometheus::Counter* watchDropped_ = nullptr;
    prometheus::Gauge* watchers_ = nullptr;
    std::mutex modelInfoMutex_;
    std::map<v1::Variant, prometheus::Gauge*> modelInfo_;
};

}  // namespace fraud
