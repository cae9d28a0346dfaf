#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "fraud/v1/scoring.grpc.pb.h"
#include "scoring/ScorerChannel.h"

namespace fraudops {

using ScoreOutcome = Outcome<fraud::v1::ScoreResult>;

// Blocking calls to one scorer's Scoring service over one channel, each with a deadline.
// Callers on a GUI thread must run these on a worker.
class ScoringClient {
public:
    explicit ScoringClient(ScorerEndpoint endpoint);

    ScoreOutcome score(const fraud::v1::Transaction& tx, bool explain);
    ScoreOutcome score(const fraud::v1::ScoreRequest& request);
    ScoreOutcome explain(const fraud::v1::Transaction& tx);
    Outcome<fraud::v1::DecisionBoundary> boundary(
        const fraud::v1::DecisionBoundaryRequest& request);

private:
    ScorerEndpoint endpoint_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;
};

}  // namespace fraudops
