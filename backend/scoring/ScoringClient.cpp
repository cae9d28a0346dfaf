#include "scoring/ScoringClient.h"

namespace fraudops {

ScoringClient::ScoringClient(ScorerEndpoint endpoint)
    : endpoint_(std::move(endpoint)),
      channel_(makeChannel(endpoint_)),
      stub_(fraud::v1::Scoring::NewStub(channel_)) {}

ScoreOutcome ScoringClient::score(const fraud::v1::Transaction& tx, bool explain) {
    fraud::v1::ScoreRequest request;
    *request.mutable_transaction() = tx;
    request.set_explain(explain);
    return score(request);
}

ScoreOutcome ScoringClient::score(const fraud::v1::ScoreRequest& request) {
    grpc::ClientContext context;
    prepareCall(context, endpoint_);
    fraud::v1::ScoreResult result;
    const auto status = stub_->Score(&context, request, &result);
    if (!status.ok())
        return {std::nullopt, toCallError(status, context)};
    return {std::move(result), std::nullopt};
}

ScoreOutcome ScoringClient::explain(const fraud::v1::Transaction& tx) {
    grpc::ClientContext context;
    prepareCall(context, endpoint_);
    fraud::v1::ExplainRequest request;
    *request.mutable_transaction() = tx;
    fraud::v1::ScoreResult result;
    const auto status = stub_->Explain(&context, request, &result);
    if (!status.ok())
        return {std::nullopt, toCallError(status, context)};
    return {std::move(result), std::nullopt};
}

Outcome<fraud::v1::DecisionBoundary> ScoringClient::boundary(
    const fraud::v1::DecisionBoundaryRequest& request) {
    grpc::ClientContext context;
    prepareCall(context, endpoint_);
    fraud::v1::DecisionBoundary result;
    const auto status = stub_->FindDecisionBoundary(&context, request, &result);
    if (!status.ok())
        return {std::nullopt, toCallError(status, context)};
    return {std::move(result), std::nullopt};
}

}  // namespace fraudops
