#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "fraud/v1/scoring.grpc.pb.h"

namespace fraudops {

// Where a scorer is and how to talk to it.
struct ScorerEndpoint {
    std::string address;      // host:port
    std::string bearerToken;  // sent as `authorization: Bearer ...` metadata when set
    std::chrono::milliseconds deadline{2000};
};

// A failed call as a value: the status code, gRPC's message, and for INVALID_ARGUMENT the
// field the scorer named.
struct CallError {
    grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
    std::string message;
    std::string field;
};

struct ScoreOutcome {
    std::optional<fraud::v1::ScoreResult> result;
    std::optional<CallError> error;
    bool ok() const { return result.has_value(); }
};

// Blocking calls to one scorer over one channel, each with a deadline. Callers on a GUI
// thread must run these on a worker.
class ScoringClient {
public:
    explicit ScoringClient(ScorerEndpoint endpoint);

    ScoreOutcome score(const fraud::v1::Transaction& tx, bool explain);
    ScoreOutcome explain(const fraud::v1::Transaction& tx);

private:
    void prepare(grpc::ClientContext& context) const;
    static CallError toError(const grpc::Status& status, const grpc::ClientContext& context);

    ScorerEndpoint endpoint_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<fraud::v1::Scoring::Stub> stub_;
};

}  // namespace fraudops
