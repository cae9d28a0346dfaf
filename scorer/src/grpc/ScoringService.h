#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "fraud/v1/scoring.grpc.pb.h"
#include "grpc/AccessPolicy.h"
#include "serving/AdmissionQueue.h"
#include "serving/DecisionFeed.h"
#include "serving/ScoringEngine.h"

namespace fraud {

// The Scoring gRPC service on the callback API (grpc.io's advice for servers where
// throughput matters; it measured about twice the sync API's rate here). Scoring is CPU
// work of microseconds with no blocking, so it runs on the callback thread itself.
class ScoringService final : public v1::Scoring::CallbackService {
public:
    struct Limits {
        int maxBatch = 10'000;      // transactions in one ScoreStream message
        bool requireToken = false;  // scoring needs a viewer token too
        double watchRate = 20;      // live decisions a second when the watcher names none
        double maxWatchRate = 10'000;
    };

    // Score and Explain calls go through `admission` when there is one (refused at once when
    // it is too full); without it they are scored on gRPC's callback thread as they arrive.
    // FindDecisionBoundary (an analyst's rare question) and ScoreStream (one batch at a time
    // per stream, its own flow control) are not queued.
    ScoringService(ScoringEngine& engine, ScorerMetrics& metrics, AccessPolicy& access,
                   DecisionFeed& feed, Limits limits, AdmissionQueue* admission = nullptr);

    grpc::ServerUnaryReactor* Score(grpc::CallbackServerContext* context,
                                    const v1::ScoreRequest* request,
                                    v1::ScoreResult* response) override;
    grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* context,
                                      const v1::ExplainRequest* request,
                                      v1::ScoreResult* response) override;
    grpc::ServerBidiReactor<v1::ScoreBatch, v1::ScoreBatchResult>* ScoreStream(
        grpc::CallbackServerContext* context) override;
    grpc::ServerUnaryReactor* FindDecisionBoundary(grpc::CallbackServerContext* context,
                                                   const v1::DecisionBoundaryRequest* request,
                                                   v1::DecisionBoundary* response) override;
    grpc::ServerWriteReactor<v1::LiveDecision>* WatchDecisions(
        grpc::CallbackServerContext* context, const v1::WatchDecisionsRequest* request) override;

private:
    using PriorTransactions = google::protobuf::RepeatedPtrField<v1::Transaction>;
    void scoreOne(RpcMethod method, grpc::CallbackServerContext* context, const v1::Transaction* tx,
                  bool explain, v1::RecordMode mode, const PriorTransactions& prior,
                  v1::ScoreResult* response, grpc::ServerUnaryReactor* reactor,
                  std::chrono::steady_clock::time_point arrived);
    // Scores now, or queues the call with admission control, or refuses it.
    grpc::ServerUnaryReactor* admit(RpcMethod method, grpc::CallbackServerContext* context,
                                    const v1::Transaction* tx, bool explain, v1::RecordMode mode,
                                    const PriorTransactions& prior, v1::ScoreResult* response);

    ScoringEngine& engine_;
    ScorerMetrics& metrics_;
    AccessPolicy& access_;
    DecisionFeed& feed_;
    Limits limits_;
    AdmissionQueue* admission_;
};

}  // namespace fraud
